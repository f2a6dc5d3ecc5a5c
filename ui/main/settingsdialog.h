#pragma once

#include <QDialog>

class DesktopSession;
class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;
class QLabel;

// Preferences: target and region, credentials (the key goes to the SecretStore, masked here), the embedded
// endpoint's port, bind address (this machine's addresses listed) and required credentials, its search mode,
// the compatibility profile and log retention.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)

public:
    explicit SettingsDialog(DesktopSession* session, QWidget* parent = nullptr);
    ~SettingsDialog() override;

    // Writes the values (also done by OK) and emits applied().
    void apply();

Q_SIGNALS:
    void applied();

private:
    DesktopSession* m_session;
    QComboBox* m_target = nullptr;
    QLineEdit* m_customUrl = nullptr;
    QLineEdit* m_appId = nullptr;
    QLineEdit* m_apiKey = nullptr;
    QLabel* m_keyStatus = nullptr;
    QCheckBox* m_pollFeed = nullptr;
    QSpinBox* m_port = nullptr;
    QComboBox* m_bind = nullptr;
    QLabel* m_bindWarning = nullptr;
    QComboBox* m_searchMode = nullptr;
    QComboBox* m_relayEvents = nullptr;
    QLineEdit* m_requiredAppId = nullptr;
    QLineEdit* m_requiredApiKey = nullptr;
    QComboBox* m_profile = nullptr;
    QSpinBox* m_retention = nullptr;
};
