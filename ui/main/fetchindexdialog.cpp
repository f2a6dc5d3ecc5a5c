#include "fetchindexdialog.h"

#include "catalog/catalogset.h"
#include "catalog/indexbrowser.h"
#include "settings/appsettings.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QVBoxLayout>

#include "secrets/secretstore.h"

FetchIndexDialog::FetchIndexDialog(CatalogSet* catalogs, AppSettings* settings, SecretStore* secrets,
                                   QWidget* parent)
    : QDialog(parent)
    , m_catalogs(catalogs)
    , m_settings(settings)
    , m_browser(new IndexBrowser(this))
{
    setObjectName(QStringLiteral("fetchIndexDialog"));
    setWindowTitle(tr("Fetch index from Algolia"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_appId = new QLineEdit(settings->appId.value());
    m_appId->setObjectName(QStringLiteral("fetchAppIdEdit"));
    m_apiKey = new QLineEdit;
    m_apiKey->setObjectName(QStringLiteral("fetchApiKeyEdit"));
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_apiKey->setPlaceholderText(tr("a key with the browse ACL"));
    m_index = new QLineEdit;
    m_index->setObjectName(QStringLiteral("fetchIndexEdit"));
    form->addRow(tr("Application ID"), m_appId);
    form->addRow(tr("API key"), m_apiKey);
    form->addRow(tr("Index"), m_index);
    layout->addLayout(form);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("fetchProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    layout->addWidget(m_progress);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("fetchStatus"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_fetch = buttons->addButton(tr("Fetch"), QDialogButtonBox::ActionRole);
    m_fetch->setObjectName(QStringLiteral("fetchButton"));
    layout->addWidget(buttons);

    connect(m_fetch, &QPushButton::clicked, this, &FetchIndexDialog::startFetch);
    connect(buttons, &QDialogButtonBox::rejected, this, [this] {
        m_browser->cancel();
        reject();
    });
    connect(m_browser, &IndexBrowser::progress, this, [this](int fetched, int total) {
        m_progress->setRange(0, std::max(total, 1));
        m_progress->setValue(fetched);
        m_status->setText(tr("%1 of %2 records").arg(fetched).arg(total));
    });
    connect(m_browser, &IndexBrowser::finished, this, [this](const BrowseResult& result) {
        m_fetch->setEnabled(true);
        if (!result.catalog) {
            m_status->setText(tr("Failed: %1").arg(result.error));
            return;
        }
        const QString index = result.catalog->indexName();
        const int size = result.catalog->size();
        m_catalogs->add(*result.catalog);
        m_progress->setRange(0, std::max(size, 1));
        m_progress->setValue(size);
        const QString saveError = keep(*result.catalog);
        m_status->setText(saveError.isEmpty()
                              ? tr("Index %1: %2 records loaded").arg(index).arg(size)
                              : tr("Index %1: %2 records loaded, but not kept for the next start: %3")
                                    .arg(index)
                                    .arg(size)
                                    .arg(saveError));
        Q_EMIT fetched(index, size);
    });

    if (secrets && !m_appId->text().isEmpty()) {
        secrets->readApiKey(m_appId->text(), this, [this](const SecretResult& result) {
            if (result.ok && result.value && m_apiKey->text().isEmpty())
                m_apiKey->setText(*result.value);
        });
    }
}

FetchIndexDialog::~FetchIndexDialog() = default;

QString FetchIndexDialog::keep(const IndexCatalog& catalog)
{
    // The fetched records (objectID and title attributes only) become a records file in the data folder,
    // loaded at start like an imported file: no key is needed to have them next time.
    const QDir folder(QFileInfo(m_settings->filePath()).absolutePath() + QStringLiteral("/catalogs"));
    if (!folder.mkpath(QStringLiteral(".")))
        return tr("cannot create %1").arg(folder.path());
    const QString safeName =
        QString(catalog.indexName())
            .replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")), QStringLiteral("_"));
    const QString path = folder.filePath(safeName + QStringLiteral(".ndjson"));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return file.errorString();
    for (const IndexCatalog::Record& record : catalog.records()) {
        file.write(QJsonDocument(record.attributes).toJson(QJsonDocument::Compact));
        file.write("\n");
    }
    if (!file.commit())
        return file.errorString();
    QStringList files = m_settings->importedCatalogs.value();
    const QString prefix = catalog.indexName() + QLatin1Char('=');
    files.removeIf([&](const QString& entry) { return entry.startsWith(prefix); });
    files << prefix + path;
    m_settings->importedCatalogs.setValue(files);
    m_settings->sync();
    return {};
}

void FetchIndexDialog::startFetch()
{
    BrowseRequest request;
    request.appId = m_appId->text().trimmed();
    request.apiKey = m_apiKey->text();
    request.indexName = m_index->text().trimmed();
    request.baseUrl = m_baseUrl;
    m_fetch->setEnabled(false);
    m_progress->setRange(0, 0); // busy until the first page says how many
    m_status->setText(tr("Fetching %1…").arg(request.indexName));
    m_browser->start(request);
}
