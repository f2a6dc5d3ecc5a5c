#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

// Asked when events are about to go to Algolia and the app has no application ID or no stored API key for
// it: rather than sending with a placeholder and no key (Algolia answers 401), the user enters both here.
// The key leaves this dialog only through apiKey(), to the keychain and the client; the dialog clears it when
// it closes.
class CredentialsPrompt final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CredentialsPrompt)

public:
    // `targetLabel`: "Algolia (US)"…; `appId`: the application ID known so far (may be empty).
    CredentialsPrompt(const QString& targetLabel, const QString& appId, QWidget* parent = nullptr);
    ~CredentialsPrompt() override;

    QString appId() const;
    QString apiKey() const;

protected:
    void done(int result) override;

private:
    void updateSave();

    QLineEdit* m_appId = nullptr;
    QLineEdit* m_apiKey = nullptr;
    QPushButton* m_save = nullptr;
};
