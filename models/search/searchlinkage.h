#pragma once

// Events checked against the searches the endpoint recorded (issue 12 §2): does the queryID cite a real
// search of that index, was the object among its hits at that position, with the same user, within the hour;
// and for a conversion without queryID, which search Algolia will attribute it to through an earlier click.
// Findings are warnings and infos with stable codes, appended to the event's issues by the one validator.

#include "event/issue.h"
#include "searchrecord.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QQueue>
#include <QReadWriteLock>
#include <QString>

#include <deque>
#include <memory>
#include <optional>

struct Event;
struct RecordBatch;

// A click that cited a search: what Algolia infers a later conversion's queryID from.
struct ClickFact
{
    QString userToken;
    QString index;
    QString objectID;
    QString queryID;
    qint64 atMs = 0;
};

// What the linkage checks read. Implementations are thread-safe (the endpoint judges on several threads).
class SearchLookup
{
public:
    virtual ~SearchLookup() = default;
    virtual std::optional<SearchRecord> searchByQueryId(const QString& queryID) const = 0;
    // Whether any search of `index` was recorded; without one no check can be made.
    virtual bool hasSearches(const QString& index) const = 0;
    // The latest click citing a queryID by `userToken` on `objectID` in `index`, at or before `atMs`.
    virtual std::optional<ClickFact> lastClick(const QString& userToken, const QString& index,
                                               const QString& objectID, qint64 atMs) const = 0;
};

// The recent searches and clicks, in memory, bounded (the oldest are forgotten first).
class SearchHistory final : public SearchLookup
{
public:
    explicit SearchHistory(int capacity = 100'000);

    void addSearch(const SearchRecord& search);
    // Remembers the clicks of `event` that cite a queryID (one per objectID); other events are ignored.
    void addClicks(const Event& event, qint64 receivedAtMs);
    // The same for the accepted clicks of a logged batch, in O(1): the log's writer thread calls this after
    // each commit and must not be slowed down by decoding, so the batch is read by the next lookup that
    // reads clicks (in arrival order, before any later addClicks). At most about `capacity` rows wait; older
    // ones would be forgotten by then anyway.
    void queueLoggedBatch(std::shared_ptr<const RecordBatch> batch);
    void clear();
    int searchCount() const;

    std::optional<SearchRecord> searchByQueryId(const QString& queryID) const override;
    bool hasSearches(const QString& index) const override;
    std::optional<ClickFact> lastClick(const QString& userToken, const QString& index,
                                       const QString& objectID, qint64 atMs) const override;

private:
    // Logically const: queued clicks are already part of the history, only not indexed yet.
    void indexQueuedClicks() const;
    void addClicksLocked(const Event& event, qint64 receivedAtMs) const;

    const int m_capacity;
    mutable QReadWriteLock m_lock;
    QHash<QString, SearchRecord> m_byQueryId;
    QQueue<QString> m_queryIdOrder;
    QHash<QString, int> m_searchesByIndex;
    mutable QHash<QString, QList<ClickFact>> m_clicks; // key: index \x1f userToken \x1f objectID
    mutable QQueue<QString> m_clickOrder;
    mutable QMutex m_queueMutex; // guards the queue only, so queueing never waits for a lookup
    mutable std::deque<std::shared_ptr<const RecordBatch>> m_queuedBatches;
    mutable qsizetype m_queuedRows = 0;
};

namespace LinkageCode {
inline constexpr auto notChecked = "search.notRecorded";             // info: no search of that index recorded
inline constexpr auto unknownQueryId = "queryID.unknown";            // warning
inline constexpr auto otherIndex = "queryID.otherIndex";             // warning
inline constexpr auto notInHits = "objectID.notInSearchHits";        // warning
inline constexpr auto position = "position.mismatch";                // warning, with the expected position
inline constexpr auto tokenMismatch = "userToken.differsFromSearch"; // warning
inline constexpr auto searchWithoutToken = "search.noUserToken";     // warning
inline constexpr auto lateClick = "click.afterOneHour";              // warning
inline constexpr auto inferred = "queryID.inferred";         // info: the search Algolia will attribute
inline constexpr auto notInferable = "queryID.notInferable"; // info: no earlier click to infer from
} // namespace LinkageCode

namespace SearchLinkage {

// Dynamic Re-Ranking uses clicks sent within one hour of their search.
inline constexpr qint64 kClickWindowMs = 3'600'000;

// The linkage findings for one event (`eventIndex` as in its request); `nowMs` dates an event without
// timestamp.
IssueList check(const Event& event, int eventIndex, const SearchLookup& searches, qint64 nowMs);
// What check() finds from the event's type, index and whether it has a queryID alone, when that is all it
// needs (not a click or a conversion, or no search of its index recorded: the common case, where the ingest
// path builds no Event); nullopt when the event must go through check().
std::optional<IssueList> checkWithoutEvent(const QString& eventType, const QString& index, bool hasQueryId,
                                           int eventIndex, const SearchLookup& searches);

} // namespace SearchLinkage
