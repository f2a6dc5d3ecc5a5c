// The presenter view as a presenter uses it: opened on a projector-sized screen (1280×720) at the normal
// size and zoomed +50 %, following events as they are logged, and cleared with the log.

#include "catalog/indexcatalog.h"
#include "log/eventlog.h"
#include "presenter/presenterwindow.h"
#include "presenter/qrcode.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QLabel>
#include <QProcess>
#include <QProgressBar>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {

LogRecord logged(int n, const QString& type, const QString& subtype, const QString& user,
                 const QString& object, bool accepted = true)
{
    LogRecord r;
    r.requestId = QStringLiteral("req-%1").arg(n);
    r.receivedAtMs = QDateTime::currentMSecsSinceEpoch();
    r.accepted = accepted;
    r.httpStatus = accepted ? 200 : 422;
    r.eventType = type;
    r.eventSubtype = subtype;
    r.eventName = QStringLiteral("Product ") + type;
    r.index = QStringLiteral("movies");
    r.userToken = user;
    if (!accepted) {
        Issue issue;
        issue.severity = Severity::Error;
        issue.code = QStringLiteral("userToken.invalid");
        issue.field = QStringLiteral("userToken");
        issue.message =
            QStringLiteral("UserToken must contain only alphanumeric, equal, plus, slash, hyphen, or "
                           "underscore characters, and be between 1 and 128 characters long");
        r.issues << issue;
    }
    r.rawJson = "{\"eventType\":\"" + type.toUtf8() + "\"," +
                (subtype.isEmpty() ? QByteArray() : "\"eventSubtype\":\"" + subtype.toUtf8() + "\",") +
                "\"eventName\":\"" + r.eventName.toUtf8() + "\",\"index\":\"movies\",\"userToken\":\"" +
                user.toUtf8() + "\",\"objectIDs\":[\"" + object.toUtf8() + "\"]}";
    return r;
}

// Nothing the audience needs is cut off: every visible label gets the room its text asks for (word-wrapped
// labels their height for their width), and everything lies inside the window.
void verifyNothingCutOff(QWidget& window)
{
    const QRect inside = window.rect();
    for (QLabel* label : window.findChildren<QLabel*>()) {
        if (!label->isVisibleTo(&window) || label->text().isEmpty())
            continue;
        const QRect box(label->mapTo(&window, QPoint(0, 0)), label->size());
        QVERIFY2(inside.contains(box),
                 qPrintable(label->objectName() + QStringLiteral(" lies outside the window")));
        if (label->wordWrap()) {
            QVERIFY2(label->height() >= label->heightForWidth(label->width()),
                     qPrintable(label->objectName() + QStringLiteral(" is cut: ") + label->text()));
        } else {
            QVERIFY2(label->width() >= label->sizeHint().width() &&
                         label->height() >= label->sizeHint().height(),
                     qPrintable(label->objectName() + QStringLiteral(" is cut: ") + label->text()));
        }
    }
}

} // namespace

class TestPresenterWindow final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::shared_ptr<const IndexCatalog> m_catalog;

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        EventLogOptions options;
        options.path =
            m_dir.filePath(QStringLiteral("events-%1.sqlite").arg(QDateTime::currentMSecsSinceEpoch()));
        EventLog::OpenResult opened = EventLog::open(options);
        QVERIFY2(opened.log, qPrintable(opened.error));
        m_log = std::move(opened.log);
        const QByteArray records =
            "[{\"objectID\":\"m1\",\"title\":\"One\",\"genres\":[\"Drama\"],\"year\":1994},"
            "{\"objectID\":\"m2\",\"title\":\"Two\",\"genres\":[\"Drama\",\"Crime\"],\"year\":1995},"
            "{\"objectID\":\"m3\",\"title\":\"Three\",\"genres\":[\"Comedy\"],\"year\":2004}]";
        m_catalog = std::make_shared<const IndexCatalog>(
            *IndexCatalog::fromJson(records, QStringLiteral("movies")).catalog);
    }

    void cleanup() { m_log.reset(); }

    void followsTheLogAndFitsAProjector()
    {
        // Events logged before the presenter opens are read back when it is shown.
        m_log->append({logged(1, QStringLiteral("view"), {}, QStringLiteral("anonymous-drama-fan"),
                              QStringLiteral("m1"))});
        m_log->flush();

        PresenterWindow window(m_log.get());
        window.setCatalogs({m_catalog});
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* accepted = window.findChild<QLabel*>(QStringLiteral("presenterAccepted"));
        auto* rejected = window.findChild<QLabel*>(QStringLiteral("presenterRejected"));
        auto* personalization = window.findChild<QLabel*>(QStringLiteral("presenterPersonalization"));
        QVERIFY(accepted && rejected && personalization);
        QTRY_COMPARE(accepted->text(), QStringLiteral("1"));

        // New events arrive while it is open: counters, ticker, funnel and profile follow.
        m_log->append({logged(2, QStringLiteral("click"), {}, QStringLiteral("anonymous-drama-fan"),
                              QStringLiteral("m2")),
                       logged(3, QStringLiteral("conversion"), QStringLiteral("addToCart"),
                              QStringLiteral("anonymous-drama-fan"), QStringLiteral("m2")),
                       logged(4, QStringLiteral("conversion"), QStringLiteral("purchase"),
                              QStringLiteral("anonymous-drama-fan"), QStringLiteral("m2")),
                       logged(5, QStringLiteral("view"), {}, QStringLiteral("bad token"),
                              QStringLiteral("m3"), false)});
        QTRY_COMPARE(accepted->text(), QStringLiteral("4"));
        QTRY_COMPARE(rejected->text(), QStringLiteral("1"));
        QCOMPARE(personalization->text(), QStringLiteral("4"));
        auto* badge = window.findChild<QLabel*>(QStringLiteral("presenterTickerBadge0"));
        QVERIFY(badge);
        QTRY_COMPARE(badge->text(), PresenterStats::badgeText(PresenterStats::Badge::Rejected));
        auto* mistake = window.findChild<QLabel*>(QStringLiteral("presenterMistakeMessage0"));
        QVERIFY(mistake && mistake->isVisibleTo(&window));
        QVERIFY(mistake->text().startsWith(QStringLiteral("UserToken must contain")));

        // The funnel of the drama fan (the other shopper, the bad token, was seen last).
        int card = -1;
        for (int i = 0; i < PresenterWindow::kShopperCards; ++i) {
            auto* title = window.findChild<QLabel*>(QStringLiteral("presenterShopperTitle%1").arg(i));
            if (title && title->toolTip() == QStringLiteral("anonymous-drama-fan"))
                card = i;
        }
        QVERIFY(card >= 0);
        auto count = [&](int stage) {
            return window.findChild<QLabel*>(QStringLiteral("presenterStageCount%1_%2").arg(card).arg(stage))
                ->text();
        };
        QCOMPARE(count(0), QStringLiteral("1"));
        QCOMPARE(count(1), QStringLiteral("1"));
        QCOMPARE(count(2), QStringLiteral("1"));
        QCOMPARE(count(3), QStringLiteral("1"));
        auto* affinity = window.findChild<QLabel*>(QStringLiteral("presenterAffinity%1_0").arg(card));
        QVERIFY(affinity && affinity->isVisibleTo(&window));
        QCOMPARE(affinity->text(), QStringLiteral("Drama"));
        // Bars show each value's share of the shopper's interest: the strongest first.
        const int strongest =
            window.findChild<QProgressBar*>(QStringLiteral("presenterAffinityBar%1_0").arg(card))->value();
        const int second =
            window.findChild<QProgressBar*>(QStringLiteral("presenterAffinityBar%1_1").arg(card))->value();
        QVERIFY(strongest > 0 && strongest >= second);

        // Fits 1280×720 at the presenter's size and zoomed +50 %.
        for (const double zoom : {1.0, 1.5}) {
            window.setZoom(zoom);
            QVERIFY(window.minimumSizeHint().width() <= 1280);
            QVERIFY2(window.minimumSizeHint().height() <= 720,
                     qPrintable(QStringLiteral("minimum height %1 at zoom %2")
                                    .arg(window.minimumSizeHint().height())
                                    .arg(zoom)));
            window.resize(1280, 720);
            QApplication::processEvents();
            QCOMPARE(window.size(), QSize(1280, 720));
            verifyNothingCutOff(window);
            if (QTest::currentTestFailed())
                return;
            const QString shot = QDir(QStringLiteral(INSIGHTS_BINARY_DIR))
                                     .filePath(QStringLiteral("presenter-%1.png").arg(int(zoom * 100)));
            window.grab().save(shot);
        }

        // Clearing the log clears the view.
        m_log->remove(std::nullopt);
        QTRY_COMPARE(accepted->text(), QStringLiteral("0"));
        QTRY_VERIFY(window.findChild<QLabel*>(QStringLiteral("presenterNoShoppers"))->isVisibleTo(&window));
    }

    void qrCodeOpensTheStorefront()
    {
        // zbarimg (Debian's zbar-tools) reads the code as a phone's camera would.
        const QString zbarimg = QStandardPaths::findExecutable(QStringLiteral("zbarimg"));
        QVERIFY2(!zbarimg.isEmpty(), "zbarimg is needed (scripts/dev.sh test installs zbar-tools)");
        const QString url = QStringLiteral("http://192.168.1.23:8421/demo/");
        PresenterWindow window(m_log.get());
        window.setStorefrontUrl(url, true);
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* code = window.findChild<QLabel*>(QStringLiteral("presenterQrCode"));
        auto* caption = window.findChild<QLabel*>(QStringLiteral("presenterQrCaption"));
        QVERIFY(code && code->isVisibleTo(&window) && !code->pixmap().isNull());
        QVERIFY(caption->text().contains(url));
        verifyNothingCutOff(window);
        if (QTest::currentTestFailed())
            return;
        const QString shown = m_dir.filePath(QStringLiteral("shown-qr.png"));
        QVERIFY(code->pixmap().toImage().save(shown));
        const QString large = m_dir.filePath(QStringLiteral("large-qr.png"));
        QVERIFY(QrCode::image(url, 6).save(large));
        for (const QString& file : {shown, large}) {
            QProcess decode;
            decode.start(zbarimg, {QStringLiteral("--raw"), QStringLiteral("-q"), file});
            QVERIFY(decode.waitForFinished(30000));
            QCOMPARE(QString::fromUtf8(decode.readAllStandardOutput()).trimmed(), url);
        }
        // Loopback only: the caption says why a phone cannot use it.
        window.setStorefrontUrl(QStringLiteral("http://127.0.0.1:8421/demo/"), false);
        QVERIFY(caption->text().contains(QStringLiteral("Phones cannot reach")));
        QVERIFY(QrCode::image(QString(5000, QLatin1Char('x'))).isNull());
    }

    void zoomKeys()
    {
        PresenterWindow window(m_log.get());
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTest::keyClick(&window, Qt::Key_Equal, Qt::ControlModifier);
        QCOMPARE(window.zoom(), 1.1);
        QTest::keyClick(&window, Qt::Key_Minus, Qt::ControlModifier);
        QTest::keyClick(&window, Qt::Key_Minus, Qt::ControlModifier);
        QVERIFY(qAbs(window.zoom() - 0.9) < 1e-9);
        QTest::keyClick(&window, Qt::Key_0, Qt::ControlModifier);
        QCOMPARE(window.zoom(), 1.0);
    }
};

QTEST_MAIN(TestPresenterWindow)
#include "tst_presenterwindow.moc"
