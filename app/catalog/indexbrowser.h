#pragma once

#include "catalog/indexcatalog.h"

#include <QObject>
#include <QString>
#include <QUrl>

#include <optional>

class HttpTransport;
struct SendResult;

struct BrowseRequest
{
    QString appId;
    QString apiKey; // needs the `browse` ACL; sent in a header only, never logged
    QString indexName;
    // Empty: https://{appId}-dsn.algolia.net (Algolia's read host). Tests point it at a local server.
    QUrl baseUrl;
    int hitsPerPage = 1000; // Algolia's maximum per browse request
    int transferTimeoutMs = 30'000;
};

struct BrowseResult
{
    std::optional<IndexCatalog> catalog; // set when every page arrived
    QString error;                       // one line otherwise (never contains the key)
    int httpStatus = 0;                  // of the last answer
};

// Fetches an index's objectIDs and titles from Algolia with the browse API (POST /1/indexes/{index}/browse,
// following `cursor` until the last page), reporting progress as pages arrive.
class IndexBrowser final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(IndexBrowser)

public:
    explicit IndexBrowser(QObject* parent = nullptr);
    ~IndexBrowser() override;

    void start(const BrowseRequest& request);
    void cancel();
    bool isRunning() const { return m_running; }

    static QUrl defaultBaseUrl(const QString& appId);

Q_SIGNALS:
    // `total` is Algolia's nbHits (0 when unknown).
    void progress(int fetched, int total);
    void finished(const BrowseResult& result);

private:
    void requestPage(const QString& cursor);
    void onResult(const SendResult& result);
    void finish(BrowseResult result);

    HttpTransport* m_transport; // the app's one HTTP client
    quint64 m_requestId = 0;
    quint64 m_generation = 0; // a page's answer counts only for the browse that asked for it
    bool m_running = false;
    BrowseRequest m_request;
    IndexCatalog m_catalog;
    int m_total = 0;
};
