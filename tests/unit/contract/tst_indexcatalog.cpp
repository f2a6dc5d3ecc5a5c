// Records files as users bring them: a JSON array, an Algolia browse/export {"hits":[…]}, NDJSON.
#include "catalog/indexcatalog.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <optional>
#include <string>
#include <string_view>

#include <sys/stat.h>

class TestIndexCatalog final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsTheUsualShapes_data();
    void readsTheUsualShapes();
    void reportsUnusableFiles_data();
    void reportsUnusableFiles();
    void refusesWhatIsNotARecordsFile_data();
    void refusesWhatIsNotARecordsFile();
    void searchMatchesEveryWord();
    void looksUpUtf8BytesAsItsText_data();
    void looksUpUtf8BytesAsItsText();
    void aCopyKeepsItsLookup();
};

void TestIndexCatalog::readsTheUsualShapes_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<int>("records");
    QTest::addColumn<int>("skipped");
    QTest::addRow("array") << QByteArray(
                                  R"([{"objectID":"a","title":"Alpha"},{"objectID":"b"},{"name":"no id"}])")
                           << 2 << 1;
    QTest::addRow("hits") << QByteArray(R"({"hits":[{"objectID":"a"}],"cursor":"x"})") << 1 << 0;
    QTest::addRow("ndjson") << QByteArray("{\"objectID\":\"a\"}\n\n{\"objectID\":\"b\"}\n") << 2 << 0;
    QTest::addRow("numeric ids") << QByteArray(R"([{"objectID":42}])") << 1 << 0;
}

void TestIndexCatalog::readsTheUsualShapes()
{
    QFETCH(QByteArray, data);
    QFETCH(int, records);
    QFETCH(int, skipped);
    const IndexCatalog::LoadResult result = IndexCatalog::fromJson(data, QStringLiteral("idx"));
    QVERIFY2(result.catalog, qPrintable(result.error));
    QCOMPARE(result.catalog->size(), records);
    QCOMPARE(result.skipped, skipped);
    QCOMPARE(result.catalog->indexName(), QStringLiteral("idx"));
}

void TestIndexCatalog::reportsUnusableFiles_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("expected");
    QTest::addRow("no objectIDs") << QByteArray(R"([{"title":"x"}])")
                                  << QStringLiteral("no record with an objectID");
    QTest::addRow("object without records")
        << QByteArray(R"({"a":1})") << QStringLiteral("expected a JSON array");
    QTest::addRow("broken ndjson") << QByteArray("{\"objectID\":\"a\"}\n{oops\n") << QStringLiteral("line 2");
}

void TestIndexCatalog::reportsUnusableFiles()
{
    QFETCH(QByteArray, data);
    QFETCH(QString, expected);
    const IndexCatalog::LoadResult result = IndexCatalog::fromJson(data);
    QVERIFY(!result.catalog);
    QVERIFY2(result.error.contains(expected), qPrintable(result.error));
    QVERIFY(IndexCatalog::fromFile(QStringLiteral("/nonexistent.json"))
                .error.contains(QLatin1String("cannot read")));
}

void TestIndexCatalog::refusesWhatIsNotARecordsFile_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");
    QTest::addRow("device") << QStringLiteral("/dev/zero") << QStringLiteral("not a regular file");
    QTest::addRow("folder") << QStringLiteral("folder") << QStringLiteral("not a regular file");
    QTest::addRow("fifo") << QStringLiteral("fifo") << QStringLiteral("not a regular file");
    QTest::addRow("over 512 MB") << QStringLiteral("large") << QStringLiteral("over the limit of 512 MB");
}

void TestIndexCatalog::refusesWhatIsNotARecordsFile()
{
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    QString path = dir.filePath(QStringLiteral("records.json"));
    if (kind.startsWith(QLatin1Char('/'))) {
        path = kind;
    } else if (kind == QLatin1String("folder")) {
        QVERIFY(QDir().mkpath(path));
    } else if (kind == QLatin1String("fifo")) {
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    } else {
        // Sparse: one byte over the limit costs no disk space.
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(IndexCatalog::kMaxFileBytes + 1));
    }
    // Refused before reading: reading any of these would block, or exhaust memory.
    const IndexCatalog::LoadResult result = IndexCatalog::fromFile(path);
    QVERIFY(!result.catalog);
    QVERIFY2(result.error.contains(expected) && result.error.contains(path), qPrintable(result.error));
}

void TestIndexCatalog::searchMatchesEveryWord()
{
    IndexCatalog catalog;
    catalog.addRecord({QStringLiteral("m1"), QStringLiteral("The Great Train Robbery"), {}});
    catalog.addRecord({QStringLiteral("m2"), QStringLiteral("The General"), {}});
    QCOMPARE(catalog.search(QStringLiteral("the train")).size(), 1);
    QCOMPARE(catalog.search(QStringLiteral("THE")).size(), 2);
    QCOMPARE(catalog.search(QStringLiteral("m2")).constFirst()->title, QStringLiteral("The General"));
    QVERIFY(catalog.appliesTo(u"anything"));
}

// The ingest path asks with the parser's UTF-8 bytes, the UI with QStrings: both must give the same answer.
void TestIndexCatalog::looksUpUtf8BytesAsItsText_data()
{
    QTest::addColumn<QString>("objectID");
    QTest::addRow("ascii") << QStringLiteral("m1");
    QTest::addRow("latin-1") << QStringLiteral("caf\u00e9");
    QTest::addRow("cjk") << QStringLiteral("\u65e5\u672c-42");
    QTest::addRow("astral") << QStringLiteral("pizza-\U0001F355");
    QTest::addRow("quote and backslash") << QStringLiteral("a\"b\\c");
    QTest::addRow("empty") << QString();
}

void TestIndexCatalog::looksUpUtf8BytesAsItsText()
{
    QFETCH(QString, objectID);
    IndexCatalog catalog(QStringLiteral("caf\u00e9s"));
    catalog.addRecord({objectID, QStringLiteral("Title"), {}});
    const QByteArray utf8 = objectID.toUtf8();
    const std::string_view bytes(utf8.constData(), static_cast<size_t>(utf8.size()));
    QVERIFY(catalog.contains(objectID));
    QVERIFY(catalog.contains(bytes));
    QVERIFY(catalog.record(objectID));
    // Near misses: a byte less, a byte more, another text.
    if (!bytes.empty())
        QVERIFY(!catalog.contains(bytes.substr(0, bytes.size() - 1)));
    const std::string longer = std::string(bytes) + "x";
    QVERIFY(!catalog.contains(std::string_view(longer)));
    QVERIFY(!catalog.contains(objectID.toUpper() + QLatin1Char('X')));
    // The index name, as bytes too.
    QVERIFY(catalog.appliesTo(std::string_view("caf\xc3\xa9s")));
    QVERIFY(!catalog.appliesTo(std::string_view("cafes")));
    QVERIFY(catalog.appliesTo(u"caf\u00e9s"));
    catalog.setIndexName(QStringLiteral("other"));
    QVERIFY(catalog.appliesTo(std::string_view("other")));
    QVERIFY(!catalog.appliesTo(std::string_view("caf\xc3\xa9s")));
    catalog.setIndexName(QString());
    QVERIFY(catalog.appliesTo(std::string_view("anything")));
}

void TestIndexCatalog::aCopyKeepsItsLookup()
{
    std::optional<IndexCatalog> copy;
    {
        IndexCatalog original(QStringLiteral("movies"));
        for (int i = 0; i < 100; ++i)
            original.addRecord({QStringLiteral("m%1").arg(i), QStringLiteral("Movie %1").arg(i), {}});
        original.addRecord({QStringLiteral("m7"), QStringLiteral("Replaced"), {}});
        copy = original;
    }
    QCOMPARE(copy->size(), 100);
    QVERIFY(copy->contains(std::string_view("m99")));
    QVERIFY(!copy->contains(std::string_view("m100")));
    QCOMPARE(copy->record(QStringLiteral("m7"))->title, QStringLiteral("Replaced"));
    QVERIFY(copy->appliesTo(std::string_view("movies")));
}

QTEST_GUILESS_MAIN(TestIndexCatalog)
#include "tst_indexcatalog.moc"
