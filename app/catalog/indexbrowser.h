#pragma once

#include "catalog/indexcatalog.h"

#include <QObject>
#include <QString>
#include <QUrl>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

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
    bool isRunning() const { return m_reply != nullptr; }

    static QUrl defaultBaseUrl(const QString& appId);

Q_SIGNALS:
    // `total` is Algolia's nbHits (0 when unknown).
    void progress(int fetched, int total);
    void finished(const BrowseResult& result);

private:
    void requestPage(const QString& cursor);
    void onReply(QNetworkReply* reply);
    void finish(BrowseResult result);

    QNetworkAccessManager* m_network;
    QNetworkReply* m_reply = nullptr;
    BrowseRequest m_request;
    IndexCatalog m_catalog;
    int m_total = 0;
};
