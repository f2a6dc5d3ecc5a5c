#include "catalog/catalogset.h"
#include "catalog/indexbrowser.h"
#include "main/fetchindexdialog.h"
#include "settings/appsettings.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

namespace {

// A stand-in for Algolia's read host on a real socket: serves an index of `total` records in pages of
// `pageSize`, following the cursor, and records what it was asked.
class FakeBrowseServer final : public QObject
{
public:
    FakeBrowseServer(int total, int pageSize)
        : m_total(total)
        , m_pageSize(pageSize)
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort())); }
    int status = 200;
    QList<QByteArray> paths;
    QList<QByteArray> apiKeys;
    QList<QJsonObject> bodies;

private:
    void serve(QTcpSocket* socket)
    {
        QByteArray& buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            const QByteArray head = buffer.left(headerEnd);
            qsizetype length = 0;
            QByteArray apiKey;
            for (const QByteArray& line : head.split('\n')) {
                const QByteArray lower = line.trimmed().toLower();
                if (lower.startsWith("content-length:"))
                    length = lower.mid(15).trimmed().toLongLong();
                if (lower.startsWith("x-algolia-api-key:"))
                    apiKey = line.trimmed().mid(18).trimmed();
            }
            if (buffer.size() < headerEnd + 4 + length)
                return;
            const QByteArray body = buffer.mid(headerEnd + 4, length);
            buffer.remove(0, headerEnd + 4 + length);
            paths << head.split(' ').value(1);
            apiKeys << apiKey;
            const QJsonObject request = QJsonDocument::fromJson(body).object();
            bodies << request;
            QByteArray answer;
            if (status != 200) {
                answer = R"({"message":"Method not allowed with this API key","status":403})";
            } else {
                const int start = request.value(QLatin1String("cursor")).toString().toInt();
                QJsonArray hits;
                for (int i = start; i < std::min(start + m_pageSize, m_total); ++i)
                    hits.append(QJsonObject{{QStringLiteral("objectID"), QStringLiteral("sku-%1").arg(i)},
                                            {QStringLiteral("name"), QStringLiteral("Product %1").arg(i)}});
                QJsonObject page{{QStringLiteral("hits"), hits}, {QStringLiteral("nbHits"), m_total}};
                if (start + m_pageSize < m_total)
                    page.insert(QStringLiteral("cursor"), QString::number(start + m_pageSize));
                answer = QJsonDocument(page).toJson(QJsonDocument::Compact);
            }
            socket->write("HTTP/1.1 " + QByteArray::number(status) +
                          " X\r\nContent-Type: application/json\r\n"
                          "Content-Length: " +
                          QByteArray::number(answer.size()) + "\r\n\r\n" + answer);
        }
    }

    QTcpServer m_server;
    QHash<QTcpSocket*, QByteArray> m_buffers;
    int m_total;
    int m_pageSize;
};

} // namespace

class TestFetchIndex final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fetchesEveryPageWithProgress();
    void refusalIsShownAndNothingIsAdded();
    void defaultHostIsAlgoliasReadHost();
};

void TestFetchIndex::fetchesEveryPageWithProgress()
{
    FakeBrowseServer server(2500, 1000);
    QTemporaryDir dir;
    AppSettings settings(dir.path());
    settings.appId.setValue(QStringLiteral("APPID"));
    CatalogSet catalogs;
    FetchIndexDialog dialog(&catalogs, &settings, nullptr);
    dialog.setBaseUrl(server.url());
    dialog.show();
    QCOMPARE(dialog.findChild<QLineEdit*>(QStringLiteral("fetchAppIdEdit"))->text(), QStringLiteral("APPID"));
    auto* key = dialog.findChild<QLineEdit*>(QStringLiteral("fetchApiKeyEdit"));
    QCOMPARE(key->echoMode(), QLineEdit::Password); // masked
    key->setText(QStringLiteral("browse-key"));
    dialog.findChild<QLineEdit*>(QStringLiteral("fetchIndexEdit"))->setText(QStringLiteral("products"));
    auto* progress = dialog.findChild<QProgressBar*>(QStringLiteral("fetchProgress"));
    QList<int> seen;
    connect(progress, &QProgressBar::valueChanged, this, [&](int value) { seen << value; });
    QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("fetchButton")), Qt::LeftButton);

    QTRY_VERIFY_WITH_TIMEOUT(catalogs.find(QStringLiteral("products")) != nullptr, 10000);
    const auto catalog = catalogs.find(QStringLiteral("products"));
    QCOMPARE(catalog->size(), 2500);
    QCOMPARE(catalog->record(QStringLiteral("sku-2499"))->title, QStringLiteral("Product 2499"));
    QCOMPARE(progress->maximum(), 2500);
    QCOMPARE(progress->value(), 2500);
    QVERIFY(seen.contains(1000) && seen.contains(2000)); // progress moved page by page
    QVERIFY(dialog.findChild<QLabel*>(QStringLiteral("fetchStatus"))->text().contains(QLatin1String("2500")));

    // Kept in the data folder for the next start, without a key.
    const QStringList kept = settings.importedCatalogs.value();
    QCOMPARE(kept.size(), 1);
    QVERIFY(kept.constFirst().startsWith(QLatin1String("products=")));
    const IndexCatalog::LoadResult reloaded =
        IndexCatalog::fromFile(kept.constFirst().section(QLatin1Char('='), 1));
    QVERIFY2(reloaded.catalog, qPrintable(reloaded.error));
    QCOMPARE(reloaded.catalog->size(), 2500);
    QCOMPARE(reloaded.catalog->record(QStringLiteral("sku-7"))->title, QStringLiteral("Product 7"));

    QCOMPARE(server.paths.size(), 3);
    QCOMPARE(server.paths.constFirst(), QByteArrayLiteral("/1/indexes/products/browse"));
    QCOMPARE(server.apiKeys.constFirst(), QByteArrayLiteral("browse-key"));
    QVERIFY(!server.bodies.at(0).contains(QLatin1String("cursor")));
    QCOMPARE(server.bodies.at(1).value(QLatin1String("cursor")).toString(), QStringLiteral("1000"));
    QCOMPARE(server.bodies.at(0).value(QLatin1String("hitsPerPage")).toInt(), 1000);
}

void TestFetchIndex::refusalIsShownAndNothingIsAdded()
{
    FakeBrowseServer server(10, 10);
    server.status = 403;
    QTemporaryDir dir;
    AppSettings settings(dir.path());
    CatalogSet catalogs;
    FetchIndexDialog dialog(&catalogs, &settings, nullptr);
    dialog.setBaseUrl(server.url());
    dialog.findChild<QLineEdit*>(QStringLiteral("fetchAppIdEdit"))->setText(QStringLiteral("APPID"));
    dialog.findChild<QLineEdit*>(QStringLiteral("fetchApiKeyEdit"))
        ->setText(QStringLiteral("search-only-key"));
    dialog.findChild<QLineEdit*>(QStringLiteral("fetchIndexEdit"))->setText(QStringLiteral("products"));
    dialog.startFetch();
    auto* status = dialog.findChild<QLabel*>(QStringLiteral("fetchStatus"));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(QLatin1String("Failed")), 10000);
    QVERIFY2(status->text().contains(QLatin1String("403")), qPrintable(status->text()));
    QVERIFY(status->text().contains(QLatin1String("Method not allowed with this API key")));
    QVERIFY(!status->text().contains(QLatin1String("search-only-key"))); // never the key
    QVERIFY(catalogs.catalogs().isEmpty());
    QVERIFY(settings.importedCatalogs.value().isEmpty());
    QVERIFY(dialog.findChild<QPushButton*>(QStringLiteral("fetchButton"))->isEnabled());
}

void TestFetchIndex::defaultHostIsAlgoliasReadHost()
{
    QCOMPARE(IndexBrowser::defaultBaseUrl(QStringLiteral("ABC123")),
             QUrl(QStringLiteral("https://abc123-dsn.algolia.net")));
}

QTEST_MAIN(TestFetchIndex)
#include "tst_fetchindex.moc"
