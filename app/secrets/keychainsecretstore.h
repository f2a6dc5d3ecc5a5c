#pragma once

#include "inmemorysecretstore.h"
#include "secretstore.h"

// The system keychain through QtKeychain. When the keychain fails or does not answer in time (no Secret
// Service on a headless Linux, a locked keyring nobody unlocks), the store falls back to memory for the
// rest of the session and says so through storage()/statusText(): the key then works but is not kept.
class KeychainSecretStore final : public SecretStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeychainSecretStore)

public:
    // `service` names the entries in the keychain; `answerTimeoutMs` bounds the wait for the keychain.
    explicit KeychainSecretStore(const QString& service = QStringLiteral("insights-debugger"),
                                 int answerTimeoutMs = 5000, QObject* parent = nullptr);
    ~KeychainSecretStore() override;

    void readApiKey(const QString& appId, QObject* context, Callback done) override;
    void writeApiKey(const QString& appId, const QString& apiKey, QObject* context, Callback done) override;
    void removeApiKey(const QString& appId, QObject* context, Callback done) override;
    SecretStorage storage() const override { return m_storage; }
    QString statusText() const override;

private:
    enum class Operation
    {
        Read,
        Write,
        Remove,
    };
    void run(Operation operation, const QString& appId, const QString& apiKey, QObject* context,
             Callback done);
    void fallBack(const QString& reason);
    QString entryName(const QString& appId) const;

    QString m_service;
    int m_answerTimeoutMs = 5000;
    SecretStorage m_storage = SecretStorage::Keychain;
    QString m_fallbackReason;
    InMemorySecretStore m_memory;
};
