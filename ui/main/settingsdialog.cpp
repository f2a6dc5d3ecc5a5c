#include "settingsdialog.h"

#include "client/insightstarget.h"
#include "desktopsession.h"
#include "event/compatibilityprofile.h"
#include "log/eventlog.h"
#include "settings/appsettings.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkInterface>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

#include "endpoint/embeddedendpoint.h"
#include "secrets/secretstore.h"

SettingsDialog::SettingsDialog(DesktopSession* session, QWidget* parent)
    : QDialog(parent)
    , m_session(session)
{
    setObjectName(QStringLiteral("settingsDialog"));
    setWindowTitle(tr("Settings"));
    AppSettings* settings = session->settings();
    auto* layout = new QVBoxLayout(this);

    auto* sending = new QGroupBox(tr("Sending"));
    auto* sendingForm = new QFormLayout(sending);
    m_target = new QComboBox;
    m_target->setObjectName(QStringLiteral("settingsTargetCombo"));
    // The same choices and names as the toolbar's target menu (client/insightstarget.h).
    for (const TargetChoice& choice : kTargetChoices)
        m_target->addItem(targetLabel(choice.kind), QString::fromLatin1(choice.name));
    m_target->setCurrentIndex(std::max(0, m_target->findData(settings->target.value())));
    m_customUrl = new QLineEdit(settings->customTargetUrl.value());
    m_customUrl->setObjectName(QStringLiteral("customUrlEdit"));
    m_customUrl->setPlaceholderText(QStringLiteral("http://localhost:9000"));
    m_appId = new QLineEdit(settings->appId.value());
    m_appId->setObjectName(QStringLiteral("appIdEdit"));
    m_apiKey = new QLineEdit;
    m_apiKey->setObjectName(QStringLiteral("apiKeyEdit"));
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_apiKey->setPlaceholderText(tr("unchanged"));
    m_keyStatus = new QLabel;
    m_keyStatus->setObjectName(QStringLiteral("apiKeyStatus"));
    sendingForm->addRow(tr("Target"), m_target);
    sendingForm->addRow(tr("Custom URL"), m_customUrl);
    sendingForm->addRow(tr("Application ID"), m_appId);
    sendingForm->addRow(tr("API key"), m_apiKey);
    sendingForm->addRow(QString(), m_keyStatus);
    m_pollFeed = new QCheckBox(tr("Poll Algolia's debugger feed"));
    m_pollFeed->setObjectName(QStringLiteral("pollAlgoliaFeedCheck"));
    m_pollFeed->setToolTip(
        tr("While sending to an Algolia region, read Algolia's debugger feed (GET /1/events) every 3 s: "
           "Algolia's own verdict on the events sent from here, and the events your website sends. "
           "Needs a key with the analytics ACL."));
    m_pollFeed->setChecked(settings->pollAlgoliaFeed.value());
    sendingForm->addRow(QString(), m_pollFeed);
    layout->addWidget(sending);

    auto* endpoint = new QGroupBox(tr("Embedded endpoint"));
    auto* endpointForm = new QFormLayout(endpoint);
    m_port = new QSpinBox;
    m_port->setObjectName(QStringLiteral("portSpin"));
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("any free port"));
    m_port->setValue(settings->endpointPort.value());
    if (const std::optional<quint16> port = session->portOverride()) {
        // This run's port came from --port: show the one in use, not a setting that does not apply now.
        m_port->setValue(*port);
        m_port->setEnabled(false);
        m_port->setToolTip(tr("Set by --port for this run"));
    }
    m_bind = new QComboBox;
    m_bind->setObjectName(QStringLiteral("bindCombo"));
    m_bind->setEditable(true);
    // Loopback first (the default: only this machine), then each address of this machine, then all of them.
    m_bind->addItem(QStringLiteral("127.0.0.1"), tr("this machine only"));
    for (const QHostAddress& address : QNetworkInterface::allAddresses()) {
        if (address.protocol() == QAbstractSocket::IPv4Protocol && !address.isLoopback() &&
            !address.isLinkLocal())
            m_bind->addItem(address.toString(), tr("machines on this network"));
    }
    m_bind->addItem(QStringLiteral("0.0.0.0"), tr("every network of this machine"));
    m_bind->setToolTip(tr("An address other than 127.0.0.1 lets phones and other machines on the network "
                          "send events and open the demo storefront"));
    m_bind->setCurrentText(settings->endpointBindAddress.value());
    m_bindWarning = new QLabel;
    m_bindWarning->setObjectName(QStringLiteral("bindWarningLabel"));
    m_bindWarning->setWordWrap(true);
    auto updateBindWarning = [this] {
        const QHostAddress address(m_bind->currentText().trimmed());
        const bool open = !address.isNull() && !address.isLoopback();
        m_bindWarning->setVisible(open);
        m_bindWarning->setText(
            tr("Anyone on the network can send events to this endpoint and read its log through the "
               "automation API%1.")
                .arg(m_requiredAppId->text().trimmed().isEmpty()
                         ? tr(": set a required application ID and key")
                         : QString()));
    };
    m_searchMode = new QComboBox;
    m_searchMode->setObjectName(QStringLiteral("searchModeCombo"));
    const std::pair<SearchMode, QString> searchModes[] = {
        {SearchMode::Local, tr("local: answered from the loaded index catalogs")},
        {SearchMode::Relay, tr("relay: forwarded to the site's Algolia application")},
        {SearchMode::Off, tr("off: 404, the site searches Algolia directly")},
    };
    for (const auto& [mode, label] : searchModes)
        m_searchMode->addItem(label, searchModeName(mode));
    m_searchMode->setCurrentIndex(std::max(0, m_searchMode->findData(searchModeName(session->searchMode()))));
    m_searchMode->setToolTip(tr("How the endpoint answers Algolia's search routes; every search is recorded "
                                "and the events citing it are checked against it"));
    m_requiredAppId = new QLineEdit(settings->endpointRequiredAppId.value());
    m_requiredAppId->setObjectName(QStringLiteral("requiredAppIdEdit"));
    m_requiredAppId->setPlaceholderText(tr("any (no credentials checked)"));
    m_requiredApiKey = new QLineEdit;
    m_requiredApiKey->setObjectName(QStringLiteral("requiredApiKeyEdit"));
    m_requiredApiKey->setEchoMode(QLineEdit::Password);
    m_requiredApiKey->setPlaceholderText(tr("any"));
    endpointForm->addRow(tr("Port"), m_port);
    endpointForm->addRow(tr("Bind address"), m_bind);
    endpointForm->addRow(QString(), m_bindWarning);
    endpointForm->addRow(tr("Required application ID"), m_requiredAppId);
    endpointForm->addRow(tr("Required API key"), m_requiredApiKey);
    endpointForm->addRow(tr("Search"), m_searchMode);
    m_relayEvents = new QComboBox;
    m_relayEvents->setObjectName(QStringLiteral("relayEventsCombo"));
    m_relayEvents->addItem(tr("off: events stay here"), QStringLiteral("off"));
    for (const TargetChoice& choice : kTargetChoices)
        if (choice.kind != TargetKind::Local && choice.kind != TargetKind::Custom)
            m_relayEvents->addItem(tr("to %1").arg(targetLabel(choice.kind)),
                                   QString::fromLatin1(choice.name));
    m_relayEvents->setCurrentIndex(std::max(0, m_relayEvents->findData(settings->relayEvents.value())));
    m_relayEvents->setToolTip(tr("Also forward the events the endpoint receives to Algolia, with the "
                                 "credentials the site sent, and show Algolia's answer beside the local "
                                 "verdict: a staging site keeps real analytics while you debug it"));
    endpointForm->addRow(tr("Relay events"), m_relayEvents);
    connect(m_bind, &QComboBox::currentTextChanged, this, updateBindWarning);
    connect(m_requiredAppId, &QLineEdit::textChanged, this, updateBindWarning);
    updateBindWarning();
    layout->addWidget(endpoint);

    auto* validation = new QGroupBox(tr("Validation and log"));
    auto* validationForm = new QFormLayout(validation);
    m_profile = new QComboBox;
    m_profile->setObjectName(QStringLiteral("profileCombo"));
    m_profile->addItems(CompatibilityProfile::names());
    m_profile->setCurrentText(settings->compatibilityProfile.value());
    m_profile->setToolTip(
        tr("current: 30-day timestamps, instantsearch events, 20 filters; legacy-2025: 4 days, "
           "no instantsearch, 10 filters"));
    m_retention = new QSpinBox;
    m_retention->setObjectName(QStringLiteral("retentionSpin"));
    m_retention->setRange(1000, 100'000'000);
    m_retention->setSingleStep(10'000);
    m_retention->setSuffix(tr(" events"));
    m_retention->setValue(static_cast<int>(settings->logRetention.value()));
    validationForm->addRow(tr("Compatibility profile"), m_profile);
    validationForm->addRow(tr("Keep at most"), m_retention);
    layout->addWidget(validation);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        apply();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    if (SecretStore* secrets = session->secrets(); secrets && !m_appId->text().isEmpty()) {
        secrets->readApiKey(m_appId->text(), this, [this](const SecretResult& result) {
            m_keyStatus->setText(result.ok && result.value ? tr("Stored: %1").arg(maskedApiKey(*result.value))
                                                           : tr("No key stored"));
        });
        m_keyStatus->setToolTip(secrets->statusText());
    }
}

SettingsDialog::~SettingsDialog() = default;

void SettingsDialog::apply()
{
    AppSettings* settings = m_session->settings();
    settings->target.setValue(m_target->currentData().toString());
    settings->customTargetUrl.setValue(m_customUrl->text().trimmed());
    settings->appId.setValue(m_appId->text().trimmed());
    settings->pollAlgoliaFeed.setValue(m_pollFeed->isChecked());
    settings->compatibilityProfile.setValue(m_profile->currentText());
    settings->logRetention.setValue(m_retention->value());
    m_session->log()->setRetention(m_retention->value());

    const bool endpointChanged =
        (!m_session->portOverride() && settings->endpointPort.value() != m_port->value()) ||
        settings->endpointBindAddress.value() != m_bind->currentText().trimmed() ||
        settings->endpointRequiredAppId.value() != m_requiredAppId->text().trimmed() ||
        !m_requiredApiKey->text().isEmpty() ||
        settings->relayEvents.value() != m_relayEvents->currentData().toString();
    if (!m_session->portOverride())
        settings->endpointPort.setValue(m_port->value());
    settings->searchMode.setValue(m_searchMode->currentData().toString());
    settings->relayEvents.setValue(m_relayEvents->currentData().toString());
    settings->endpointBindAddress.setValue(m_bind->currentText().trimmed());
    settings->endpointRequiredAppId.setValue(m_requiredAppId->text().trimmed());

    if (SecretStore* secrets = m_session->secrets();
        secrets && !m_apiKey->text().isEmpty() && !settings->appId.value().isEmpty())
        secrets->writeApiKey(settings->appId.value(), m_apiKey->text(), secrets, [](const SecretResult&) {});
    if (EmbeddedEndpoint* endpoint = m_session->endpoint())
        endpoint->setProfile(settings->compatibilityProfile.value());
    if (!m_requiredApiKey->text().isEmpty()) {
        m_session->setEndpointApiKey(m_requiredApiKey->text());
        if (SecretStore* secrets = m_session->secrets();
            secrets && !settings->endpointRequiredAppId.value().isEmpty())
            secrets->writeApiKey(DesktopSession::endpointSecretName(settings->endpointRequiredAppId.value()),
                                 m_requiredApiKey->text(), secrets, [](const SecretResult&) {});
    }
    settings->sync();
    if (endpointChanged)
        m_session->restartEndpoint();
    Q_EMIT applied();
}
