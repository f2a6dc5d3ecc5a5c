// The API key store: asynchronous answers, the in-memory store, and the keychain store that falls back
// to memory (and says so) when no keychain answers, e.g. on a headless machine without Secret Service.

#include "secrets/inmemorysecretstore.h"
#include "secrets/keychainsecretstore.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace {

// Waits for an asynchronous store answer.
std::optional<SecretResult> await(const std::function<void(SecretStore::Callback)>& call)
{
    auto answer = std::make_shared<std::optional<SecretResult>>();
    call([answer](const SecretResult& result) { *answer = result; });
    if (!QTest::qWaitFor([answer] { return answer->has_value(); }, 15000))
        return std::nullopt;
    return **answer;
}

} // namespace

class TestSecretStore final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void memoryRoundTripIsAsynchronous();
    void answerSkippedWhenContextIsGone();
    void keychainRoundTripOrFallback();
    void maskShowsNoMoreThanTheTail();
};

void TestSecretStore::memoryRoundTripIsAsynchronous()
{
    InMemorySecretStore store;
    QObject context;
    bool answeredAtOnce = false;
    store.writeApiKey(QStringLiteral("APP1"), QStringLiteral("k-1"), &context,
                      [&answeredAtOnce](const SecretResult&) { answeredAtOnce = true; });
    QVERIFY(!answeredAtOnce); // callers must not come to rely on an immediate answer
    const auto read =
        await([&](SecretStore::Callback done) { store.readApiKey(QStringLiteral("APP1"), &context, done); });
    QVERIFY(read && read->ok);
    QCOMPARE(read->value.value_or(QString()), QStringLiteral("k-1"));
    const auto other =
        await([&](SecretStore::Callback done) { store.readApiKey(QStringLiteral("APP2"), &context, done); });
    QVERIFY(other && other->ok && !other->value);
    await([&](SecretStore::Callback done) { store.removeApiKey(QStringLiteral("APP1"), &context, done); });
    const auto gone =
        await([&](SecretStore::Callback done) { store.readApiKey(QStringLiteral("APP1"), &context, done); });
    QVERIFY(gone && !gone->value);
    QCOMPARE(store.storage(), SecretStorage::Memory);
}

void TestSecretStore::answerSkippedWhenContextIsGone()
{
    InMemorySecretStore store;
    bool called = false;
    {
        QObject context;
        store.readApiKey(QStringLiteral("APP"), &context, [&called](const SecretResult&) { called = true; });
    }
    QTest::qWait(20);
    QVERIFY(!called);
}

void TestSecretStore::keychainRoundTripOrFallback()
{
    // Wherever this runs, a key written can be read back in this session; where no keychain answers the
    // store says "memory only" instead of failing.
    const QString appId = QStringLiteral("tst-secretstore-%1").arg(QCoreApplication::applicationPid());
    KeychainSecretStore store(QStringLiteral("insights-debugger-tests"), 3000);
    QSignalSpy storageSpy(&store, &SecretStore::storageChanged);
    QObject context;
    const auto written = await([&](SecretStore::Callback done) {
        store.writeApiKey(appId, QStringLiteral("secret-value-123"), &context, done);
    });
    QVERIFY(written);
    QVERIFY2(written->ok, qPrintable(written->error));
    const auto read = await([&](SecretStore::Callback done) { store.readApiKey(appId, &context, done); });
    QVERIFY(read && read->ok);
    QCOMPARE(read->value.value_or(QString()), QStringLiteral("secret-value-123"));
    if (store.storage() == SecretStorage::Keychain) {
        QCOMPARE(storageSpy.count(), 0);
        QCOMPARE(store.statusText(), QStringLiteral("API key kept in the system keychain"));
    } else {
        QCOMPARE(store.storage(), SecretStorage::MemoryFallback);
        QCOMPARE(storageSpy.count(), 1);
        QVERIFY(store.statusText().startsWith(QStringLiteral("API key kept in memory only")));
    }
    QVERIFY(!store.statusText().contains(QStringLiteral("secret-value-123")));
    const auto removed =
        await([&](SecretStore::Callback done) { store.removeApiKey(appId, &context, done); });
    QVERIFY(removed && removed->ok);
    const auto gone = await([&](SecretStore::Callback done) { store.readApiKey(appId, &context, done); });
    QVERIFY(gone && gone->ok && !gone->value);
}

void TestSecretStore::maskShowsNoMoreThanTheTail()
{
    QCOMPARE(maskedApiKey(QString()), QString());
    QVERIFY(!maskedApiKey(QStringLiteral("short")).contains(QLatin1Char('s')));
    const QString masked = maskedApiKey(QStringLiteral("0123456789abcdef1a2b"));
    QVERIFY(masked.endsWith(QStringLiteral("1a2b")));
    QVERIFY(!masked.contains(QStringLiteral("0123")));
}

QTEST_GUILESS_MAIN(TestSecretStore)
#include "tst_secretstore.moc"
