#pragma once

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

// Where the API key is kept right now: what the UI and the CLI tell the user.
enum class SecretStorage
{
    Keychain,       // the system keychain (Secret Service, macOS Keychain, Windows Credential Store)
    Memory,         // memory only, by choice (tests, --api-key on the command line)
    MemoryFallback, // memory only because no keychain answered: the key is forgotten on exit
};

struct SecretResult
{
    bool ok = false;
    std::optional<QString> value; // read: the key, or nullopt when none is stored
    QString error;                // when !ok; never contains the key
};

// The API key of an Algolia app, kept behind an interface (architecture.md practice 9) so that the
// client never knows where it lives and tests use memory. Every call answers asynchronously: `done`
// runs later on the store's thread, and only if `context` still exists.
class SecretStore : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(const SecretResult&)>;

    using QObject::QObject;
    ~SecretStore() override = default;

    virtual void readApiKey(const QString& appId, QObject* context, Callback done) = 0;
    virtual void writeApiKey(const QString& appId, const QString& apiKey, QObject* context,
                             Callback done) = 0;
    virtual void removeApiKey(const QString& appId, QObject* context, Callback done) = 0;

    virtual SecretStorage storage() const = 0;
    // One line for a status bar or stderr, e.g. "API key kept in memory only: no keychain answered (…)".
    virtual QString statusText() const = 0;

Q_SIGNALS:
    void storageChanged(SecretStorage storage);
};

// Masks a key for display: "••••••••1a2b" (the last 4 characters of a long key, nothing of a short one).
QString maskedApiKey(const QString& apiKey);
