#include "searchlinkage.h"

#include "event/event.h"
#include "event/eventcodec.h"
#include "log/recordbatch.h"

#include <QDateTime>

namespace {

constexpr int kClicksPerKey = 8; // the latest clicks per (index, user, object) are enough to infer from

QString clickKey(const QString& index, const QString& userToken, const QString& objectID)
{
    return index + QChar(0x1f) + userToken + QChar(0x1f) + objectID;
}

QString indexed(const QString& field, qsizetype i)
{
    return field + QLatin1Char('[') + QString::number(i) + QLatin1Char(']');
}

QString searchName(const SearchRecord& search)
{
    return QStringLiteral("search \"%1\" (query \"%2\", page %3)")
        .arg(search.queryID, search.query)
        .arg(search.page);
}

class LinkageChecker
{
public:
    LinkageChecker(const Event& event, int eventIndex, const SearchLookup& searches, qint64 nowMs)
        : m_event(event)
        , m_eventIndex(eventIndex)
        , m_searches(searches)
        , m_atMs(event.timestamp.value_or(nowMs))
    {}

    IssueList run()
    {
        if (std::optional<IssueList> early = SearchLinkage::checkWithoutEvent(
                m_event.eventType.value_or(QString()), m_event.index.value_or(QString()),
                m_event.queryID.has_value(), m_eventIndex, m_searches))
            return *early;
        const bool isClick = m_event.eventType == QLatin1String("click");
        const bool isConversion = !isClick;
        if (m_event.queryID && !m_event.queryID->isEmpty())
            checkCitedSearch(*m_event.queryID, QStringLiteral("queryID"), isClick);
        else if (isConversion)
            checkConversionWithoutQueryId();
        return m_issues;
    }

private:
    void warning(const QString& field, const char* code, const QString& message)
    {
        m_issues.append(Issue{Severity::Warning, m_eventIndex, field, QLatin1String(code), message, false});
    }
    void info(const QString& field, const char* code, const QString& message)
    {
        m_issues.append(Issue{Severity::Info, m_eventIndex, field, QLatin1String(code), message, false});
    }

    void checkCitedSearch(const QString& queryID, const QString& field, bool isClick)
    {
        const std::optional<SearchRecord> search = m_searches.searchByQueryId(queryID);
        if (!search) {
            warning(
                field, LinkageCode::unknownQueryId,
                QStringLiteral("queryID \"%1\" matches no recorded search of index \"%2\": Algolia cannot "
                               "attribute this event to a search")
                    .arg(queryID, *m_event.index));
            return;
        }
        if (search->index != *m_event.index) {
            warning(field, LinkageCode::otherIndex,
                    QStringLiteral("queryID \"%1\" comes from a search of index \"%2\", not \"%3\"")
                        .arg(queryID, search->index, *m_event.index));
            return;
        }
        checkHits(*search, isClick);
        checkUserToken(*search, field);
        if (isClick && m_atMs - search->atMs > SearchLinkage::kClickWindowMs) {
            warning(
                m_event.timestamp ? QStringLiteral("timestamp") : field, LinkageCode::lateClick,
                QStringLiteral("Click %1 minutes after its search: Dynamic Re-Ranking only uses clicks sent "
                               "within one hour of their search")
                    .arg((m_atMs - search->atMs) / 60'000));
        }
    }

    void checkHits(const SearchRecord& search, bool isClick)
    {
        const QStringList ids = m_event.objectIDs.value_or(QStringList());
        const QList<qint64> positions = m_event.positions.value_or(QList<qint64>());
        for (qsizetype i = 0; i < ids.size(); ++i) {
            const std::optional<int> expected = search.positionOf(ids.at(i));
            if (!expected) {
                warning(indexed(QStringLiteral("objectIDs"), i), LinkageCode::notInHits,
                        QStringLiteral("objectID \"%1\" was not among the hits of %2")
                            .arg(ids.at(i), searchName(search)));
                continue;
            }
            if (isClick && i < positions.size() && positions.at(i) != *expected) {
                const int rank = *expected - search.page * search.hitsPerPage;
                warning(
                    indexed(QStringLiteral("positions"), i), LinkageCode::position,
                    QStringLiteral("Position %1 is not the hit's absolute position %2: \"%3\" was hit %4 of "
                                   "page %5 with %6 hits per page (page × hitsPerPage + rank)")
                        .arg(positions.at(i))
                        .arg(*expected)
                        .arg(ids.at(i))
                        .arg(rank)
                        .arg(search.page)
                        .arg(search.hitsPerPage));
            }
        }
    }

    void checkUserToken(const SearchRecord& search, const QString& field)
    {
        if (search.userToken.isEmpty()) {
            warning(
                field, LinkageCode::searchWithoutToken,
                QStringLiteral("The search %1 carried no userToken (X-Algolia-UserToken header or userToken "
                               "parameter): Personalization and analytics cannot join it to this user's "
                               "events")
                    .arg(search.queryID));
            return;
        }
        const QString token = m_event.userToken.value_or(QString());
        const QString authenticated = m_event.authenticatedUserToken.value_or(QString());
        if (search.userToken != token && search.userToken != authenticated) {
            warning(QStringLiteral("userToken"), LinkageCode::tokenMismatch,
                    QStringLiteral("userToken \"%1\" differs from the search's \"%2\": Personalization and "
                                   "analytics cannot join this event to its search")
                        .arg(authenticated.isEmpty() ? token : authenticated, search.userToken));
        }
    }

    // Algolia infers a conversion's queryID from the latest earlier click by the same user on the same
    // object in the same index (objectData[i].queryID, when given, cites a search directly).
    void checkConversionWithoutQueryId()
    {
        const QStringList ids = m_event.objectIDs.value_or(QStringList());
        const QList<ObjectDataItem> data = m_event.objectData.value_or(QList<ObjectDataItem>());
        for (qsizetype i = 0; i < ids.size(); ++i) {
            if (i < data.size() && data.at(i).queryID && !data.at(i).queryID->isEmpty()) {
                checkCitedSearch(*data.at(i).queryID,
                                 indexed(QStringLiteral("objectData"), i) + QStringLiteral(".queryID"),
                                 false);
                continue;
            }
            std::optional<ClickFact> click;
            for (const QString& token : {m_event.userToken.value_or(QString()),
                                         m_event.authenticatedUserToken.value_or(QString())}) {
                if (!token.isEmpty() && !click)
                    click = m_searches.lastClick(token, *m_event.index, ids.at(i), m_atMs);
            }
            if (click) {
                info(indexed(QStringLiteral("objectIDs"), i), LinkageCode::inferred,
                     QStringLiteral(
                         "Algolia attributes this conversion of \"%1\" to search \"%2\", through the "
                         "click on it at %3")
                         .arg(ids.at(i), click->queryID,
                              QDateTime::fromMSecsSinceEpoch(click->atMs, Qt::UTC)
                                  .toString(Qt::ISODateWithMs)));
            } else {
                info(indexed(QStringLiteral("objectIDs"), i), LinkageCode::notInferable,
                     QStringLiteral("No earlier click by this user on \"%1\" in index \"%2\" cites a search: "
                                    "Algolia cannot attribute this conversion to a search")
                         .arg(ids.at(i), *m_event.index));
            }
        }
    }

    const Event& m_event;
    const int m_eventIndex;
    const SearchLookup& m_searches;
    const qint64 m_atMs;
    IssueList m_issues;
};

} // namespace

SearchHistory::SearchHistory(int capacity)
    : m_capacity(std::max(1, capacity))
{}

void SearchHistory::addSearch(const SearchRecord& search)
{
    QWriteLocker locker(&m_lock);
    ++m_searchesByIndex[search.index];
    if (search.queryID.isEmpty())
        return;
    if (!m_byQueryId.contains(search.queryID))
        m_queryIdOrder.enqueue(search.queryID);
    m_byQueryId.insert(search.queryID, search);
    while (m_queryIdOrder.size() > m_capacity) {
        const auto evicted = m_byQueryId.constFind(m_queryIdOrder.dequeue());
        if (evicted != m_byQueryId.constEnd()) {
            if (--m_searchesByIndex[evicted->index] <= 0)
                m_searchesByIndex.remove(evicted->index);
            m_byQueryId.erase(evicted);
        }
    }
}

void SearchHistory::addClicks(const Event& event, qint64 receivedAtMs)
{
    indexQueuedClicks();
    QWriteLocker locker(&m_lock);
    addClicksLocked(event, receivedAtMs);
}

void SearchHistory::queueLoggedBatch(std::shared_ptr<const RecordBatch> batch)
{
    if (!batch || batch->size() == 0)
        return;
    QMutexLocker locker(&m_queueMutex);
    m_queuedRows += batch->size();
    m_queuedBatches.push_back(std::move(batch));
    while (m_queuedBatches.size() > 1 && m_queuedRows - m_queuedBatches.front()->size() >= m_capacity) {
        m_queuedRows -= m_queuedBatches.front()->size();
        m_queuedBatches.pop_front();
    }
}

void SearchHistory::indexQueuedClicks() const
{
    std::deque<std::shared_ptr<const RecordBatch>> queued;
    {
        QMutexLocker locker(&m_queueMutex);
        queued.swap(m_queuedBatches);
        m_queuedRows = 0;
    }
    if (queued.empty())
        return;
    QWriteLocker locker(&m_lock);
    for (const auto& batch : queued) {
        for (const RecordBatch::Row& row : batch->rows) {
            // Only clicks the log accepted cite a search for Algolia.
            if (row.kind != RecordKind::Event || !row.accepted || row.queryId.size == 0 ||
                batch->bytes(row.eventType) != "click")
                continue;
            const DecodedBatch decoded = EventCodec::decodeEvent(batch->bytes(row.rawJson));
            if (!decoded.events.isEmpty())
                addClicksLocked(decoded.events.constFirst(), row.receivedAtMs);
        }
    }
}

void SearchHistory::addClicksLocked(const Event& event, qint64 receivedAtMs) const
{
    if (event.eventType.value_or(QString()) != QLatin1String("click") || !event.queryID ||
        event.queryID->isEmpty() || !event.index || !event.objectIDs)
        return;
    const qint64 at = event.timestamp.value_or(receivedAtMs);
    for (const QString& token :
         {event.userToken.value_or(QString()), event.authenticatedUserToken.value_or(QString())}) {
        if (token.isEmpty())
            continue;
        for (const QString& objectID : *event.objectIDs) {
            const QString key = clickKey(*event.index, token, objectID);
            QList<ClickFact>& clicks = m_clicks[key];
            if (clicks.isEmpty())
                m_clickOrder.enqueue(key);
            clicks.append(ClickFact{token, *event.index, objectID, *event.queryID, at});
            if (clicks.size() > kClicksPerKey)
                clicks.removeFirst();
        }
    }
    while (m_clickOrder.size() > m_capacity)
        m_clicks.remove(m_clickOrder.dequeue());
}

void SearchHistory::clear()
{
    {
        QMutexLocker queueLocker(&m_queueMutex);
        m_queuedBatches.clear();
        m_queuedRows = 0;
    }
    QWriteLocker locker(&m_lock);
    m_byQueryId.clear();
    m_queryIdOrder.clear();
    m_searchesByIndex.clear();
    m_clicks.clear();
    m_clickOrder.clear();
}

int SearchHistory::searchCount() const
{
    QReadLocker locker(&m_lock);
    int total = 0;
    for (int count : m_searchesByIndex)
        total += count;
    return total;
}

std::optional<SearchRecord> SearchHistory::searchByQueryId(const QString& queryID) const
{
    QReadLocker locker(&m_lock);
    const auto it = m_byQueryId.constFind(queryID);
    if (it == m_byQueryId.constEnd())
        return std::nullopt;
    return *it;
}

bool SearchHistory::hasSearches(const QString& index) const
{
    QReadLocker locker(&m_lock);
    return m_searchesByIndex.value(index) > 0;
}

std::optional<ClickFact> SearchHistory::lastClick(const QString& userToken, const QString& index,
                                                  const QString& objectID, qint64 atMs) const
{
    indexQueuedClicks();
    QReadLocker locker(&m_lock);
    const QList<ClickFact> clicks = m_clicks.value(clickKey(index, userToken, objectID));
    for (auto it = clicks.crbegin(); it != clicks.crend(); ++it) {
        if (it->atMs <= atMs)
            return *it;
    }
    return std::nullopt;
}

namespace SearchLinkage {

std::optional<IssueList> checkWithoutEvent(const QString& eventType, const QString& index, bool hasQueryId,
                                           int eventIndex, const SearchLookup& searches)
{
    if (index.isEmpty())
        return IssueList();
    const bool isConversion = eventType == QLatin1String("conversion");
    if (eventType != QLatin1String("click") && !isConversion)
        return IssueList();
    if (searches.hasSearches(index))
        return std::nullopt;
    if (!hasQueryId && !isConversion)
        return IssueList();
    return IssueList{
        Issue{Severity::Info, eventIndex, hasQueryId ? QStringLiteral("queryID") : QString(),
              QLatin1String(LinkageCode::notChecked),
              QStringLiteral("No search of index \"%1\" was recorded: the queryID, positions and user "
                             "token cannot be checked against a search")
                  .arg(index),
              false}};
}

IssueList check(const Event& event, int eventIndex, const SearchLookup& searches, qint64 nowMs)
{
    return LinkageChecker(event, eventIndex, searches, nowMs).run();
}

} // namespace SearchLinkage
