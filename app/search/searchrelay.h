#pragma once

// The relay mode of the search emulation (issue 12 §1): a search request forwarded untouched (method, path,
// query string, headers, body) to the application's Algolia search hosts — `{appId}-dsn.algolia.net`, then
// the `{appId}-N.algolianet.com` fallbacks on transport errors and 5xx, as Algolia's clients retry — and
// Algolia's answer handed back untouched. The site's credentials pass through; nothing keeps them.

#include <QByteArray>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

class QThread;

struct RelayRequest
{
    QByteArray method;
    QByteArray path;  // as received
    QByteArray query; // raw, without '?'
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QString appId; // picks Algolia's hosts when no override is set
};

struct RelayAnswer
{
    int status = 0; // 0: no host answered
    QByteArray body;
    QByteArray contentType;
    QString error; // when status is 0: the last transport error
};

class SearchRelay final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SearchRelay)

public:
    explicit SearchRelay(QObject* parent = nullptr);
    ~SearchRelay() override;

    // Base URLs tried in order ("http://127.0.0.1:9000"); empty = Algolia's hosts for the request's app ID.
    void setHosts(QStringList baseUrls);
    static QStringList algoliaSearchHosts(const QString& appId);

    // Thread-safe. `done` runs on the relay's own thread once a host answered or every host failed.
    void forward(RelayRequest request, std::function<void(RelayAnswer)> done);

private:
    struct Worker;
    QThread* m_thread = nullptr;
    QObject* m_worker = nullptr; // lives in m_thread
    mutable QMutex m_mutex;
    QStringList m_hosts;
};
