#pragma once

#include "views/eventfilter.h"
#include "views/recordtext.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class EventLog;
class QThreadPool;

// The live table over the event log, with bounded memory. The model holds only the ids of the filtered rows
// (8 bytes a row) and a small cache of records around the rows the view asks for; the records are fetched
// from the log on its reader threads (the GUI thread never runs a query). New events are stored at once and
// announced once per 75 ms with a single beginInsertRows() (Wireshark's packet list); pause keeps buffering
// and counts them. Searches and refused requests are rows of their own: their Status, Event type and Event
// name cells read as RecordText says (a search: "Search", "12 hits", its query; a request: "Request
// rejected", "POST /1/events", Algolia's message).
class EventTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventTableModel)

public:
    enum class Column
    {
        // The columns read at a glance first (shown by default), then the ones a click away.
        Status,
        Http,
        EventType,
        EventName,
        UserToken, // the userToken field, as sent
        Index,
        ReceivedAt,
        AuthenticatedUserToken,
        Device,
        Agent,
        Source,
        Request,
        TestUser,
        Warnings,
        QueryId, // an event's queryID, or the one a search returned: the two ends of a link
        Count,
    };

    enum Role
    {
        RawValueRole = Qt::UserRole + 1, // the unformatted value, to sort on
        RecordIdRole,                    // qint64
        VerdictRole,                     // int(Verdict) (event/vocabulary.h); invalid until fetched
        UserTokenRole,                   // the effective user token of the row
        TestUserRole,                    // the test user's name, empty when the token is not a test user's
        KindRole,                        // int(RecordKind): an event, a search or a refused request
    };

    // How rows are ordered. Time order is the log's order and streams in live; any other column is sorted
    // off the GUI thread, and new events then wait in the buffer until the next sort.
    struct Sort
    {
        Column column = Column::ReceivedAt;
        Qt::SortOrder order = Qt::AscendingOrder;
        bool operator==(const Sort& other) const { return column == other.column && order == other.order; }
    };

    // `log` may be null (an empty model); it must outlive the model and live in the model's thread.
    explicit EventTableModel(EventLog* log, QObject* parent = nullptr);
    ~EventTableModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    static QString columnName(Column column);

    const EventFilter& filter() const { return m_filter; }
    // Reloads the rows matching the filter (asynchronously; `reloaded` is emitted when they are in).
    void setFilter(const EventFilter& filter);
    Sort currentSort() const { return m_sort; }

    // Pause freezes the rows but keeps buffering new events; resume announces them all.
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    // Events received (and matching the filter) but not yet shown: while paused, or while sorted by a column
    // other than the time.
    int pendingCount() const { return static_cast<int>(m_pending.size()); }
    // Shows the buffered events now (re-sorting when sorted by another column than time).
    void showPending();

    // Test users, by token, for the Test user column.
    void setTestUsers(const QHash<QString, QString>& namesByToken);
    // The clock for the relative time ("3 s ago"); tests pin it.
    void setClock(std::function<qint64()> nowMs);

    qint64 idAt(int row) const;
    // -1 when the id is not among the rows.
    int rowOfId(qint64 id) const;
    // The record of a row when it is in the cache, else null (and a fetch is started).
    const LogRecord* recordAt(int row) const;
    // How that record reads (status, type, name), when it is in the cache, else null.
    const RecordTexts* textsAt(int row) const;
    // The ids of every row, in row order (export of the filtered set).
    QList<qint64> allIds() const { return m_ids; }
    // Starts fetching the records of these rows now (e.g. the rows about to be shown).
    void prefetch(int firstRow, int lastRow) const;
    bool isLoading() const { return m_loading; }
    // How many records the cache holds now (bounded by cacheCapacity()).
    int cachedCount() const { return static_cast<int>(m_cache.size()); }
    static int cacheCapacity();
    // Sorting by a column other than the time is done for at most this many rows.
    static int maxColumnSortRows();

Q_SIGNALS:
    void pendingCountChanged(int count);
    // The rows for the current filter and sort are in (after setFilter, sort or a removal).
    void reloaded();
    void loadingChanged(bool loading);
    // Records were fetched into the cache (the details pane waits on this for its row).
    void recordsFetched();
    // A sort by a column was not possible (too many rows); the rows stay in time order.
    void sortRefused(const QString& reason);

private:
    void reload();
    void onRecordsAppended(qint64 firstId, qint64 lastId);
    void fetchNew();
    void announcePending();
    void onRecordsRemoved();
    void onRecordsChanged(const QList<qint64>& ids);
    void fetchRecords(const QList<qint64>& ids, int firstRow, int lastRow) const;
    void applyIds(QList<qint64> ids, qint64 scannedUpTo);
    void removeRowsIf(const std::function<bool(qint64)>& gone);
    void removeOlderThan(qint64 minId);
    void setLoading(bool loading);
    void storeRecords(const QList<LogRecord>& records, quint64 generation, int firstRow, int lastRow);
    void sortCustom(QList<qint64> ids);
    QVariant displayValue(const LogRecord& record, const RecordTexts& texts, Column column) const;
    QVariant rawValue(const LogRecord& record, Column column) const;
    bool isTimeOrder() const { return m_sort.column == Column::ReceivedAt; }

    EventLog* m_log = nullptr;
    EventFilter m_filter;
    Sort m_sort;
    QList<qint64> m_ids;      // announced rows, in row order
    QList<qint64> m_pending;  // stored, not announced, oldest first
    qint64 m_scannedUpTo = 0; // the newest log id the rows and the pending list account for
    bool m_paused = false;
    bool m_loading = false;
    bool m_fetchingNew = false;
    bool m_fetchAgain = false;
    bool m_checkingRemoval = false;
    quint64 m_generation = 0; // bumped on every reload, so late answers for an old filter are dropped
    QTimer m_announceTimer;
    QHash<QString, QString> m_testUsers;
    std::function<qint64()> m_now;

    // The record cache: bounded, first-in first-out (the view asks for the rows it shows, so the oldest
    // fetch is the one least likely on screen).
    struct CachedRow
    {
        LogRecord record;
        RecordTexts texts; // computed once when fetched (a search's query is read from its JSON)
    };
    mutable QHash<qint64, CachedRow> m_cache;
    mutable QList<qint64> m_cacheOrder;
    mutable QSet<qint64> m_inFlight;
    // Ids that changed in the log while a fetch of theirs was in flight: that answer may predate the change,
    // so it is dropped and the record fetched again.
    mutable QSet<qint64> m_changedInFlight;

    std::unique_ptr<QThreadPool> m_sortPool;
    std::shared_ptr<std::atomic<bool>> m_sortCancel;
};
