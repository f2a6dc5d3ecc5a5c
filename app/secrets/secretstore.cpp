#include "secretstore.h"

#include "inmemorysecretstore.h"
#include "keychainsecretstore.h"

#include <QPointer>
#include <QTimer>

#include <qt6keychain/keychain.h>

#include <memory>

QString maskedApiKey(const QString& apiKey)
{
    if (apiKey.isEmpty())
        return {};
    const QString dots(8, QChar(0x2022));
    return apiKey.size() >= 16 ? dots + apiKey.right(4) : dots;
}

// ---- InMemorySecretStore --------------------------------------------------------------------------------

InMemorySecretStore::InMemorySecretStore(QObject* parent)
    : SecretStore(parent)
{}

InMemorySecretStore::~InMemorySecretStore() = default;

void InMemorySecretStore::answer(QObject* context, Callback done, SecretResult result)
{
    if (!done)
        return;
    // Asynchronous like the keychain, so that callers cannot come to rely on an immediate answer.
    QPointer<QObject> guard(context);
    QTimer::singleShot(0, this, [guard, done = std::move(done), result = std::move(result)] {
        if (guard)
            done(result);
    });
}

void InMemorySecretStore::readApiKey(const QString& appId, QObject* context, Callback done)
{
    SecretResult result;
    result.ok = true;
    const auto it = m_keys.constFind(appId);
    if (it != m_keys.constEnd())
        result.value = *it;
    answer(context, std::move(done), std::move(result));
}

void InMemorySecretStore::writeApiKey(const QString& appId, const QString& apiKey, QObject* context,
                                      Callback done)
{
    m_keys.insert(appId, apiKey);
    answer(context, std::move(done), SecretResult{true, std::nullopt, {}});
}

void InMemorySecretStore::removeApiKey(const QString& appId, QObject* context, Callback done)
{
    m_keys.remove(appId);
    answer(context, std::move(done), SecretResult{true, std::nullopt, {}});
}

QString InMemorySecretStore::statusText() const
{
    return QStringLiteral("API key kept in memory only");
}

// ---- KeychainSecretStore --------------------------------------------------------------------------------

KeychainSecretStore::KeychainSecretStore(const QString& service, int answerTimeoutMs, QObject* parent)
    : SecretStore(parent)
    , m_service(service)
    , m_answerTimeoutMs(answerTimeoutMs)
{}

KeychainSecretStore::~KeychainSecretStore() = default;

QString KeychainSecretStore::entryName(const QString& appId) const
{
    return QStringLiteral("algolia-api-key/") + appId;
}

QString KeychainSecretStore::statusText() const
{
    if (m_storage == SecretStorage::Keychain)
        return QStringLiteral("API key kept in the system keychain");
    return QStringLiteral("API key kept in memory only (forgotten on exit): no keychain answered (%1)")
        .arg(m_fallbackReason);
}

void KeychainSecretStore::fallBack(const QString& reason)
{
    if (m_storage != SecretStorage::Keychain)
        return;
    m_storage = SecretStorage::MemoryFallback;
    m_fallbackReason = reason;
    Q_EMIT storageChanged(m_storage);
}

void KeychainSecretStore::readApiKey(const QString& appId, QObject* context, Callback done)
{
    run(Operation::Read, appId, {}, context, std::move(done));
}

void KeychainSecretStore::writeApiKey(const QString& appId, const QString& apiKey, QObject* context,
                                      Callback done)
{
    run(Operation::Write, appId, apiKey, context, std::move(done));
}

void KeychainSecretStore::removeApiKey(const QString& appId, QObject* context, Callback done)
{
    run(Operation::Remove, appId, {}, context, std::move(done));
}

void KeychainSecretStore::run(Operation operation, const QString& appId, const QString& apiKey,
                              QObject* context, Callback done)
{
    if (m_storage != SecretStorage::Keychain) {
        switch (operation) {
        case Operation::Read:
            m_memory.readApiKey(appId, context, std::move(done));
            return;
        case Operation::Write:
            m_memory.writeApiKey(appId, apiKey, context, std::move(done));
            return;
        case Operation::Remove:
            m_memory.removeApiKey(appId, context, std::move(done));
            return;
        }
    }

    QKeychain::Job* job = nullptr;
    switch (operation) {
    case Operation::Read:
        job = new QKeychain::ReadPasswordJob(m_service, this);
        break;
    case Operation::Write: {
        auto* write = new QKeychain::WritePasswordJob(m_service, this);
        write->setTextData(apiKey);
        job = write;
        break;
    }
    case Operation::Remove:
        job = new QKeychain::DeletePasswordJob(m_service, this);
        break;
    }
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // never a plain-text file
    job->setKey(entryName(appId));

    // Whichever comes first, the keychain's answer or the timeout, answers the caller; the other is ignored.
    auto answered = std::make_shared<bool>(false);
    QPointer<QObject> guard(context);
    auto timer = new QTimer(this);
    timer->setSingleShot(true);
    const auto replay = [this, operation, appId, apiKey, guard, done](const QString& reason) {
        fallBack(reason);
        run(operation, appId, apiKey, guard.data(), done);
    };
    connect(timer, &QTimer::timeout, this, [answered, timer, replay, this] {
        timer->deleteLater();
        if (*answered)
            return;
        *answered = true;
        replay(QStringLiteral("the keychain did not answer within %1 ms").arg(m_answerTimeoutMs));
    });
    connect(job, &QKeychain::Job::finished, this,
            [answered, timer, replay, guard, done, operation](QKeychain::Job* finished) {
                if (*answered)
                    return;
                *answered = true;
                timer->stop();
                timer->deleteLater();
                const QKeychain::Error error = finished->error();
                if (error == QKeychain::NoError || error == QKeychain::EntryNotFound) {
                    SecretResult result;
                    result.ok = true;
                    if (operation == Operation::Read && error == QKeychain::NoError)
                        result.value = static_cast<QKeychain::ReadPasswordJob*>(finished)->textData();
                    if (guard && done)
                        done(result);
                    return;
                }
                // No backend, access denied, a locked keyring nobody unlocks: the key still has to work.
                replay(finished->errorString().isEmpty()
                           ? QStringLiteral("keychain error %1").arg(static_cast<int>(error))
                           : finished->errorString());
            });
    timer->start(m_answerTimeoutMs);
    job->start();
}
