#pragma once

#include "secretstore.h"

#include <QHash>

// Keys in memory only: for tests, for a key given on the command line, and the keychain's fallback.
class InMemorySecretStore final : public SecretStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InMemorySecretStore)

public:
    explicit InMemorySecretStore(QObject* parent = nullptr);
    ~InMemorySecretStore() override;

    void readApiKey(const QString& appId, QObject* context, Callback done) override;
    void writeApiKey(const QString& appId, const QString& apiKey, QObject* context, Callback done) override;
    void removeApiKey(const QString& appId, QObject* context, Callback done) override;
    SecretStorage storage() const override { return SecretStorage::Memory; }
    QString statusText() const override;

private:
    void answer(QObject* context, Callback done, SecretResult result);

    QHash<QString, QString> m_keys;
};
