#include "credentialsprompt.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

CredentialsPrompt::CredentialsPrompt(const QString& targetLabel, const QString& appId, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("credentialsPrompt"));
    setWindowTitle(tr("Credentials for %1").arg(targetLabel));
    auto* layout = new QVBoxLayout(this);
    auto* why = new QLabel(tr("%1 needs your application ID and an API key with the search ACL (add "
                              "analytics to see Algolia's own verdicts): without them it answers 401 and "
                              "records nothing. The key is kept in the system keychain, never in files or "
                              "logs.")
                               .arg(targetLabel));
    why->setObjectName(QStringLiteral("credentialsWhyLabel"));
    why->setWordWrap(true);
    layout->addWidget(why);

    auto* form = new QFormLayout;
    m_appId = new QLineEdit(appId);
    m_appId->setObjectName(QStringLiteral("credentialsAppIdEdit"));
    m_appId->setPlaceholderText(tr("e.g. LATENCY"));
    m_apiKey = new QLineEdit;
    m_apiKey->setObjectName(QStringLiteral("credentialsApiKeyEdit"));
    m_apiKey->setEchoMode(QLineEdit::Password);
    form->addRow(tr("Application ID"), m_appId);
    form->addRow(tr("API key"), m_apiKey);
    layout->addLayout(form);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
    m_save = buttons->button(QDialogButtonBox::Save);
    m_save->setObjectName(QStringLiteral("credentialsSaveButton"));
    m_save->setText(tr("Save and send"));
    buttons->button(QDialogButtonBox::Cancel)->setObjectName(QStringLiteral("credentialsCancelButton"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_appId, &QLineEdit::textChanged, this, &CredentialsPrompt::updateSave);
    connect(m_apiKey, &QLineEdit::textChanged, this, &CredentialsPrompt::updateSave);
    updateSave();
    (appId.isEmpty() ? m_appId : m_apiKey)->setFocus();
}

CredentialsPrompt::~CredentialsPrompt() = default;

QString CredentialsPrompt::appId() const
{
    return m_appId->text().trimmed();
}

QString CredentialsPrompt::apiKey() const
{
    return m_apiKey->text().trimmed();
}

void CredentialsPrompt::done(int result)
{
    QDialog::done(result);
    m_apiKey->clear(); // the receivers of finished() have read it
}

void CredentialsPrompt::updateSave()
{
    m_save->setEnabled(!appId().isEmpty() && !apiKey().isEmpty());
}
