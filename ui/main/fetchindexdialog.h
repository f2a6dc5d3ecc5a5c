#pragma once

#include <QDialog>
#include <QUrl>

class AppSettings;
class CatalogSet;
class IndexBrowser;
class IndexCatalog;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class SecretStore;

// Fetches an index's objectIDs from Algolia (browse API) into the catalogs, with a progress bar.
class FetchIndexDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FetchIndexDialog)

public:
    // `secrets` may be null (no key storage in this build): the key is then typed each time.
    FetchIndexDialog(CatalogSet* catalogs, AppSettings* settings, SecretStore* secrets,
                     QWidget* parent = nullptr);
    ~FetchIndexDialog() override;

    // Where the browse requests go instead of Algolia's read host (tests, proxies).
    void setBaseUrl(const QUrl& url) { m_baseUrl = url; }
    void startFetch();

Q_SIGNALS:
    void fetched(const QString& indexName, int records);

private:
    // Saves a fetched catalog as a records file loaded at start. Returns the error, empty on success.
    QString keep(const IndexCatalog& catalog);

    CatalogSet* m_catalogs;
    AppSettings* m_settings;
    IndexBrowser* m_browser;
    QUrl m_baseUrl;
    QLineEdit* m_appId = nullptr;
    QLineEdit* m_apiKey = nullptr;
    QLineEdit* m_index = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_fetch = nullptr;
};
