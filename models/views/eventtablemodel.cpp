#include "eventtablemodel.h"

#include "log/eventlog.h"
#include "log/recordbuilder.h"

#include <QDateTime>
#include <QMetaObject>
#include <QThreadPool>

#include <algorithm>
#include <utility>

namespace {

constexpr int kAnnounceIntervalMs = 75;
constexpr int kFetchWindow = 200;           // rows fetched around a row the view asks for
constexpr int kCacheCapacity = 4000;        // records kept; a screen shows well under 100
constexpr int kSortChunk = 5000;            // records read at a time while sorting by a column
constexpr int kMaxCustomSortRows = 250'000; // beyond this, sorting by a text column would hold too much

int countSeverity(const LogRecord& record, Severity severity)
{
    return static_cast<int>(
        std::count_if(record.issues.cbegin(), record.issues.cend(),
                      [severity](const Issue& issue) { return issue.severity == severity; }));
}

QString effectiveToken(const LogRecord& record)
{
    return record.authenticatedUserToken.isEmpty() ? record.userToken : record.authenticatedUserToken;
}

QString relativeTime(qint64 deltaMs)
{
    if (deltaMs < 1000)
        return QStringLiteral("now");
    const qint64 s = deltaMs / 1000;
    if (s < 60)
        return QString::number(s) + QStringLiteral(" s ago");
    if (s < 3600)
        return QString::number(s / 60) + QStringLiteral(" min ago");
    if (s < 86400)
        return QString::number(s / 3600) + QStringLiteral(" h ago");
    return QString::number(s / 86400) + QStringLiteral(" d ago");
}

// A sort key computed off the GUI thread: numbers compare as numbers, text case-insensitively, ties by id
// (so the order is total and stable across re-sorts).
struct SortKey
{
    qint64 number = 0;
    QString text;
    qint64 id = 0;
};

SortKey sortKeyOf(const LogRecord& record, EventTableModel::Column column,
                  const QHash<QString, QString>& users)
{
    using Column = EventTableModel::Column;
    SortKey key;
    key.id = record.id;
    switch (column) {
    case Column::Status:
        // Searches after every verdict: they have none.
        key.number = record.kind == RecordKind::Search ? static_cast<int>(allVerdicts().size())
                                                       : static_cast<int>(verdictOf(record));
        break;
    case Column::Http:
        key.number = record.httpStatus;
        break;
    case Column::Device:
        key.text = record.device;
        break;
    case Column::Agent:
        key.text = record.agent;
        break;
    case Column::Index:
        key.text = record.index;
        break;
    case Column::UserToken:
        key.text = record.userToken;
        break;
    case Column::AuthenticatedUserToken:
        key.text = record.authenticatedUserToken;
        break;
    case Column::EventType:
        key.text = record.kind == RecordKind::Event
                       ? record.eventType + QLatin1Char(' ') + record.eventSubtype
                       : RecordText::of(record).type;
        break;
    case Column::EventName:
        key.text = record.kind == RecordKind::Event ? record.eventName : RecordText::of(record).name;
        break;
    case Column::ReceivedAt:
        key.number = record.receivedAtMs;
        break;
    case Column::Source:
        key.number = static_cast<int>(record.source);
        break;
    case Column::Request:
        key.text = record.requestId;
        key.number = record.indexInRequest;
        break;
    case Column::TestUser:
        key.text = users.value(effectiveToken(record));
        break;
    case Column::Warnings:
        key.number = countSeverity(record, Severity::Warning);
        break;
    case Column::QueryId:
        key.text = record.queryId;
        break;
    case Column::Count:
        break;
    }
    return key;
}

} // namespace

EventTableModel::EventTableModel(EventLog* log, QObject* parent)
    : QAbstractTableModel(parent)
    , m_log(log)
    , m_now([] { return QDateTime::currentMSecsSinceEpoch(); })
    , m_sortPool(std::make_unique<QThreadPool>())
    , m_sortCancel(std::make_shared<std::atomic<bool>>(false))
{
    m_sortPool->setMaxThreadCount(1);
    m_announceTimer.setSingleShot(true);
    m_announceTimer.setInterval(kAnnounceIntervalMs);
    connect(&m_announceTimer, &QTimer::timeout, this, &EventTableModel::announcePending);
    if (m_log) {
        connect(m_log, &EventLog::recordsAppended, this, &EventTableModel::onRecordsAppended);
        connect(m_log, &EventLog::recordsRemoved, this, &EventTableModel::onRecordsRemoved);
        connect(m_log, &EventLog::recordsChanged, this, &EventTableModel::onRecordsChanged);
    }
    reload();
}

EventTableModel::~EventTableModel()
{
    m_sortCancel->store(true);
    m_sortPool->waitForDone();
}

int EventTableModel::cacheCapacity()
{
    return kCacheCapacity;
}

int EventTableModel::maxColumnSortRows()
{
    return kMaxCustomSortRows;
}

int EventTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_ids.size());
}

int EventTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(Column::Count);
}

QString EventTableModel::columnName(Column column)
{
    switch (column) {
    case Column::Status:
        return tr("Status");
    case Column::Http:
        return tr("HTTP");
    case Column::Device:
        return tr("Device");
    case Column::Agent:
        return tr("Agent");
    case Column::Index:
        return tr("Index");
    case Column::UserToken:
        return tr("User Token");
    case Column::AuthenticatedUserToken:
        return tr("Authenticated User Token");
    case Column::EventType:
        return tr("Event Type");
    case Column::EventName:
        return tr("Event name");
    case Column::ReceivedAt:
        return tr("Received at");
    case Column::Source:
        return tr("Source");
    case Column::Request:
        return tr("Request");
    case Column::TestUser:
        return tr("Test user");
    case Column::Warnings:
        return tr("Warnings");
    case Column::QueryId:
        return tr("Query ID");
    case Column::Count:
        break;
    }
    return {};
}

QVariant EventTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical) {
        if (role == Qt::DisplayRole && section >= 0 && section < rowCount())
            return section + 1;
        return {};
    }
    if (section < 0 || section >= columnCount())
        return {};
    if (role == Qt::DisplayRole)
        return columnName(static_cast<Column>(section));
    return {};
}

qint64 EventTableModel::idAt(int row) const
{
    return row >= 0 && row < m_ids.size() ? m_ids[row] : 0;
}

int EventTableModel::rowOfId(qint64 id) const
{
    if (isTimeOrder()) {
        // Time order is id order: binary search.
        if (m_sort.order == Qt::AscendingOrder) {
            const auto it = std::lower_bound(m_ids.cbegin(), m_ids.cend(), id);
            return it != m_ids.cend() && *it == id ? static_cast<int>(it - m_ids.cbegin()) : -1;
        }
        const auto it = std::lower_bound(m_ids.cbegin(), m_ids.cend(), id, std::greater<qint64>());
        return it != m_ids.cend() && *it == id ? static_cast<int>(it - m_ids.cbegin()) : -1;
    }
    const qsizetype at = m_ids.indexOf(id);
    return static_cast<int>(at);
}

const LogRecord* EventTableModel::recordAt(int row) const
{
    if (row < 0 || row >= m_ids.size())
        return nullptr;
    const auto it = m_cache.constFind(m_ids[row]);
    if (it != m_cache.cend())
        return &it->record;
    prefetch(row - kFetchWindow / 2, row + kFetchWindow / 2);
    return nullptr;
}

const RecordTexts* EventTableModel::textsAt(int row) const
{
    if (row < 0 || row >= m_ids.size())
        return nullptr;
    const auto it = m_cache.constFind(m_ids[row]);
    return it != m_cache.cend() ? &it->texts : nullptr;
}

void EventTableModel::prefetch(int firstRow, int lastRow) const
{
    if (!m_log || m_ids.isEmpty())
        return;
    firstRow = std::max(0, firstRow);
    lastRow = std::min(static_cast<int>(m_ids.size()) - 1, lastRow);
    QList<qint64> wanted;
    for (int row = firstRow; row <= lastRow; ++row) {
        const qint64 id = m_ids[row];
        if (!m_cache.contains(id) && !m_inFlight.contains(id)) {
            wanted << id;
            m_inFlight.insert(id);
        }
    }
    if (wanted.isEmpty())
        return;
    fetchRecords(wanted, firstRow, lastRow);
}

void EventTableModel::fetchRecords(const QList<qint64>& ids, int firstRow, int lastRow) const
{
    for (const qint64 id : ids)
        m_inFlight.insert(id);
    const quint64 generation = m_generation;
    auto* self = const_cast<EventTableModel*>(this);
    m_log->recordsAsync(ids, self, [self, ids, generation, firstRow, lastRow](QList<LogRecord> records) {
        for (const qint64 id : ids)
            self->m_inFlight.remove(id);
        QList<qint64> again;
        if (!self->m_changedInFlight.isEmpty()) {
            records.removeIf([self, &again](const LogRecord& record) {
                if (!self->m_changedInFlight.contains(record.id))
                    return false;
                again << record.id;
                return true;
            });
            for (const qint64 id : ids)
                self->m_changedInFlight.remove(id);
        }
        self->storeRecords(records, generation, firstRow, lastRow);
        if (!again.isEmpty())
            self->fetchRecords(again, firstRow, lastRow);
    });
}

void EventTableModel::onRecordsChanged(const QList<qint64>& ids)
{
    // The cached copies are out of date. Those the view has shown are read again at once and announced
    // when they are in (storeRecords() emits dataChanged for their rows), so a row never blanks while its
    // new version loads; the others are read when the view asks for them.
    QList<qint64> refetch;
    for (const qint64 id : ids) {
        if (m_cache.remove(id))
            refetch << id;
        else if (m_inFlight.contains(id))
            m_changedInFlight.insert(id);
    }
    if (refetch.isEmpty() || !m_log)
        return;
    m_cacheOrder.removeIf([this](qint64 id) { return !m_cache.contains(id); });
    // The rows they are on (for a sort by a column: one pass over the rows, not a search per id).
    int firstRow = -1;
    int lastRow = -1;
    auto extend = [&firstRow, &lastRow](int row) {
        if (row < 0)
            return;
        firstRow = firstRow < 0 ? row : std::min(firstRow, row);
        lastRow = std::max(lastRow, row);
    };
    if (isTimeOrder()) {
        for (const qint64 id : refetch)
            extend(rowOfId(id));
    } else {
        const QSet<qint64> wanted(refetch.cbegin(), refetch.cend());
        for (int row = 0; row < m_ids.size(); ++row) {
            if (wanted.contains(m_ids[row]))
                extend(row);
        }
    }
    fetchRecords(refetch, firstRow, lastRow);
}

void EventTableModel::storeRecords(const QList<LogRecord>& records, quint64 generation, int firstRow,
                                   int lastRow)
{
    if (records.isEmpty())
        return;
    for (const LogRecord& record : records) {
        if (!m_cache.contains(record.id))
            m_cacheOrder << record.id;
        m_cache.insert(record.id, CachedRow{record, RecordText::of(record)});
    }
    if (m_cache.size() > kCacheCapacity) {
        // Drop the oldest fetches, a quarter of the cache at a time so eviction is not paid on every fetch.
        const qsizetype drop = m_cache.size() - kCacheCapacity * 3 / 4;
        for (qsizetype i = 0; i < drop && i < m_cacheOrder.size(); ++i)
            m_cache.remove(m_cacheOrder[i]);
        m_cacheOrder.remove(0, std::min(drop, m_cacheOrder.size()));
    }
    // Announce only the rows that got their records: a table-wide dataChanged would make every proxy and
    // view walk a million rows.
    if (isTimeOrder()) {
        // Rows may have moved since the fetch (inserts at the top, trims): find them again, by binary search.
        firstRow = -1;
        lastRow = -1;
        for (const LogRecord& record : records) {
            const int row = rowOfId(record.id);
            if (row < 0)
                continue;
            firstRow = firstRow < 0 ? row : std::min(firstRow, row);
            lastRow = std::max(lastRow, row);
        }
    } else if (generation != m_generation) {
        firstRow = -1; // another sort or filter since: its own fetches will announce its rows
    }
    firstRow = std::max(0, firstRow);
    lastRow = std::min(lastRow, rowCount() - 1);
    if (lastRow >= firstRow && lastRow >= 0)
        Q_EMIT dataChanged(index(firstRow, 0), index(lastRow, columnCount() - 1));
    Q_EMIT recordsFetched();
}

QVariant EventTableModel::displayValue(const LogRecord& record, const RecordTexts& texts, Column column) const
{
    switch (column) {
    case Column::Status: {
        QString local = texts.status;
        // Algolia's own status, once its debugger feed reported the event: it can disagree with ours.
        if (record.algoliaStatus)
            local += tr(" · Algolia %1").arg(*record.algoliaStatus);
        return local;
    }
    case Column::Http:
        // No answer (not delivered): a dash, not a status 0 that reads like one the server gave.
        return record.httpStatus > 0 ? QVariant(record.httpStatus) : QVariant(httpStatusText(0));
    case Column::Device:
        return record.device;
    case Column::Agent:
        return record.agent;
    case Column::Index:
        return record.index;
    case Column::UserToken:
        return record.userToken;
    case Column::AuthenticatedUserToken:
        return record.authenticatedUserToken;
    case Column::EventType:
        return texts.type;
    case Column::EventName:
        return texts.cell;
    case Column::ReceivedAt: {
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(record.receivedAtMs);
        const qint64 now = m_now();
        const bool today = at.date() == QDateTime::fromMSecsSinceEpoch(now).date();
        const QString time =
            at.toString(today ? QStringLiteral("HH:mm:ss.zzz") : QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        return QString(time + QStringLiteral(" · ") + relativeTime(now - record.receivedAtMs));
    }
    case Column::Source:
        return eventSourceName(record.source);
    case Column::Request:
        return QString(record.requestId + QStringLiteral(" #") + QString::number(record.indexInRequest));
    case Column::TestUser:
        return m_testUsers.value(effectiveToken(record));
    case Column::Warnings: {
        const int warnings = countSeverity(record, Severity::Warning);
        return warnings == 0 ? QVariant(QString()) : QVariant(warnings);
    }
    case Column::QueryId:
        return record.queryId;
    case Column::Count:
        break;
    }
    return {};
}

QVariant EventTableModel::rawValue(const LogRecord& record, Column column) const
{
    const SortKey key = sortKeyOf(record, column, m_testUsers);
    if (!key.text.isEmpty())
        return key.text;
    return key.number;
}

QVariant EventTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role == RecordIdRole)
        return m_ids[index.row()];
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole && role != RawValueRole && role != VerdictRole &&
        role != UserTokenRole && role != TestUserRole && role != KindRole && role != Qt::TextAlignmentRole)
        return {};
    const auto column = static_cast<Column>(index.column());
    if (role == Qt::TextAlignmentRole) {
        if (column == Column::Http || column == Column::Warnings)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    const LogRecord* record = recordAt(index.row());
    if (!record)
        return {};
    const RecordTexts& texts = *textsAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayValue(*record, texts, column);
    case KindRole:
        return static_cast<int>(record->kind);
    case RawValueRole:
        return rawValue(*record, column);
    case VerdictRole:
        return static_cast<int>(verdictOf(*record));
    case UserTokenRole:
        return effectiveToken(*record);
    case TestUserRole:
        return m_testUsers.value(effectiveToken(*record));
    case Qt::ToolTipRole:
        if (column == Column::ReceivedAt)
            return QDateTime::fromMSecsSinceEpoch(record->receivedAtMs).toString(Qt::ISODateWithMs);
        if (column == Column::Status) {
            if (record->kind == RecordKind::Search)
                return record->queryId.isEmpty()
                           ? tr("%1 · no queryID (clickAnalytics was not set)").arg(texts.type)
                           : tr("%1 · queryID %2").arg(texts.type, record->queryId);
            if (!record->algoliaStatus)
                return record->message;
            return QString(record->message + QLatin1Char('\n') + algoliaVerdictText(*record));
        }
        if (column == Column::Agent)
            return record->agent;
        // A long query, path or message is read in full on hover.
        if (column == Column::EventType || column == Column::EventName)
            return record->kind == RecordKind::Event ? QVariant() : QVariant(RecordText::oneLine(texts));
        return {};
    default:
        return {};
    }
}

void EventTableModel::setTestUsers(const QHash<QString, QString>& namesByToken)
{
    if (m_testUsers == namesByToken)
        return;
    m_testUsers = namesByToken;
    if (!m_ids.isEmpty()) {
        const int column = static_cast<int>(Column::TestUser);
        Q_EMIT dataChanged(index(0, column), index(rowCount() - 1, column), {Qt::DisplayRole, RawValueRole});
    }
}

void EventTableModel::setClock(std::function<qint64()> nowMs)
{
    m_now = std::move(nowMs);
}

void EventTableModel::setFilter(const EventFilter& filter)
{
    m_filter = filter;
    reload();
}

void EventTableModel::setLoading(bool loading)
{
    if (m_loading == loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged(loading);
}

void EventTableModel::reload()
{
    ++m_generation;
    m_sortCancel->store(true);
    m_sortCancel = std::make_shared<std::atomic<bool>>(false);
    m_announceTimer.stop();
    const bool hadPending = !m_pending.isEmpty();
    m_pending.clear();
    if (hadPending)
        Q_EMIT pendingCountChanged(0);
    m_fetchAgain = false;
    if (!m_log) {
        applyIds({}, 0);
        return;
    }
    setLoading(true);
    const qint64 upTo = m_log->lastId();
    LogQuery query = m_filter.toLogQuery();
    query.beforeId = upTo + 1;
    query.newestFirst = isTimeOrder() && m_sort.order == Qt::DescendingOrder;
    const quint64 generation = m_generation;
    m_log->idsAsync(query, this, [this, generation, upTo](QList<qint64> ids) {
        if (generation != m_generation)
            return;
        if (isTimeOrder())
            applyIds(std::move(ids), upTo);
        else
            sortCustom(std::move(ids));
    });
}

void EventTableModel::applyIds(QList<qint64> ids, qint64 scannedUpTo)
{
    beginResetModel();
    m_ids = std::move(ids);
    m_scannedUpTo = scannedUpTo;
    m_inFlight.clear();
    endResetModel();
    setLoading(false);
    Q_EMIT reloaded();
    // Events that arrived while the rows loaded.
    if (m_log && m_log->lastId() > m_scannedUpTo)
        fetchNew();
}

void EventTableModel::sortCustom(QList<qint64> ids)
{
    if (ids.size() > kMaxCustomSortRows) {
        // Sorting a very large set by a column would hold every key in memory: keep time order instead, and
        // say so (narrowing the filter makes the sort possible).
        const QString column = columnName(m_sort.column);
        m_sort = Sort{};
        Q_EMIT sortRefused(tr("Sorting by %1 needs at most %2 rows: filter first. Sorted by time instead.")
                               .arg(column)
                               .arg(kMaxCustomSortRows));
        reload();
        return;
    }
    const quint64 generation = m_generation;
    const Sort sort = m_sort;
    const QHash<QString, QString> users = m_testUsers;
    EventLog* log = m_log;
    std::shared_ptr<std::atomic<bool>> cancel = m_sortCancel;
    // The scan bound is what the ids were read up to: the reload's bound.
    const qint64 scanned = ids.isEmpty() ? m_log->lastId() : std::max(m_scannedUpTo, ids.last());
    m_sortPool->start([this, log, ids = std::move(ids), sort, users, cancel, generation, scanned]() {
        std::vector<SortKey> keys;
        keys.reserve(static_cast<size_t>(ids.size()));
        for (qsizetype at = 0; at < ids.size(); at += kSortChunk) {
            if (cancel->load())
                return;
            const QList<LogRecord> records = log->records(ids.mid(at, kSortChunk));
            for (const LogRecord& record : records)
                keys.push_back(sortKeyOf(record, sort.column, users));
        }
        std::stable_sort(keys.begin(), keys.end(), [](const SortKey& a, const SortKey& b) {
            if (a.number != b.number)
                return a.number < b.number;
            const int c = a.text.compare(b.text, Qt::CaseInsensitive);
            if (c != 0)
                return c < 0;
            return a.id < b.id;
        });
        QList<qint64> sorted;
        sorted.reserve(static_cast<qsizetype>(keys.size()));
        for (const SortKey& key : keys)
            sorted << key.id;
        if (sort.order == Qt::DescendingOrder)
            std::reverse(sorted.begin(), sorted.end());
        if (cancel->load())
            return;
        QMetaObject::invokeMethod(
            this,
            [this, sorted = std::move(sorted), generation, scanned]() mutable {
                if (generation == m_generation)
                    applyIds(std::move(sorted), scanned);
            },
            Qt::QueuedConnection);
    });
}

void EventTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= columnCount())
        return;
    const Sort wanted{static_cast<Column>(column), order};
    if (wanted == m_sort)
        return;
    m_sort = wanted;
    reload();
}

void EventTableModel::onRecordsAppended(qint64 firstId, qint64 lastId)
{
    Q_UNUSED(firstId)
    Q_UNUSED(lastId)
    if (m_loading) {
        // applyIds() picks them up.
        return;
    }
    fetchNew();
}

void EventTableModel::fetchNew()
{
    if (!m_log)
        return;
    if (m_fetchingNew) {
        m_fetchAgain = true;
        return;
    }
    const qint64 upTo = m_log->lastId();
    if (upTo <= m_scannedUpTo)
        return;
    m_fetchingNew = true;
    LogQuery query = m_filter.toLogQuery();
    query.sinceId = m_scannedUpTo;
    query.beforeId = upTo + 1;
    const quint64 generation = m_generation;
    m_log->idsAsync(query, this, [this, generation, upTo](QList<qint64> ids) {
        m_fetchingNew = false;
        if (generation == m_generation) {
            m_scannedUpTo = std::max(m_scannedUpTo, upTo);
            if (!ids.isEmpty()) {
                m_pending += ids;
                if (m_paused || !isTimeOrder())
                    Q_EMIT pendingCountChanged(pendingCount());
                else if (!m_announceTimer.isActive())
                    m_announceTimer.start();
            }
        }
        if (m_fetchAgain) {
            m_fetchAgain = false;
            fetchNew();
        }
    });
}

void EventTableModel::announcePending()
{
    if (m_paused || m_pending.isEmpty())
        return;
    if (!isTimeOrder()) {
        // Sorted by another column: the new rows go to their sorted places on a re-sort.
        reload();
        return;
    }
    const int n = static_cast<int>(m_pending.size());
    if (m_sort.order == Qt::AscendingOrder) {
        beginInsertRows({}, rowCount(), rowCount() + n - 1);
        m_ids += m_pending;
    } else {
        beginInsertRows({}, 0, n - 1);
        QList<qint64> reversed(m_pending.crbegin(), m_pending.crend());
        m_ids = reversed + m_ids;
    }
    m_pending.clear();
    endInsertRows();
    Q_EMIT pendingCountChanged(0);
}

void EventTableModel::setPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (!paused)
        announcePending();
    else
        Q_EMIT pendingCountChanged(pendingCount());
}

void EventTableModel::showPending()
{
    if (m_pending.isEmpty())
        return;
    if (isTimeOrder()) {
        const bool paused = m_paused;
        m_paused = false;
        announcePending();
        m_paused = paused;
        return;
    }
    reload();
}

void EventTableModel::removeRowsIf(const std::function<bool(qint64)>& gone)
{
    // Contiguous ranges, removed from the last to the first so that earlier rows keep their numbers.
    QList<std::pair<int, int>> ranges;
    for (int row = 0; row < m_ids.size();) {
        if (!gone(m_ids[row])) {
            ++row;
            continue;
        }
        const int first = row;
        while (row < m_ids.size() && gone(m_ids[row]))
            ++row;
        ranges.append({first, row - 1});
    }
    for (auto it = ranges.crbegin(); it != ranges.crend(); ++it) {
        beginRemoveRows({}, it->first, it->second);
        m_ids.remove(it->first, it->second - it->first + 1);
        endRemoveRows();
    }
    const qsizetype before = m_pending.size();
    m_pending.removeIf(gone);
    if (m_pending.size() != before)
        Q_EMIT pendingCountChanged(pendingCount());
    for (auto it = m_cache.begin(); it != m_cache.end();) {
        if (gone(it.key()))
            it = m_cache.erase(it);
        else
            ++it;
    }
    m_cacheOrder.removeIf([this](qint64 id) { return !m_cache.contains(id); });
}

void EventTableModel::removeOlderThan(qint64 minId)
{
    if (!isTimeOrder()) {
        removeRowsIf([minId](qint64 id) { return id < minId; });
        return;
    }
    // Time order is id order: the trimmed rows are one block at the oldest end, found by binary search
    // (retention trims run every few thousand events at full speed; a scan of a million rows each time
    // would stall the GUI thread).
    int first = 0;
    int last = -1;
    if (m_sort.order == Qt::AscendingOrder) {
        last = static_cast<int>(std::lower_bound(m_ids.cbegin(), m_ids.cend(), minId) - m_ids.cbegin()) - 1;
    } else {
        first = static_cast<int>(
            std::upper_bound(m_ids.cbegin(), m_ids.cend(), minId, std::greater<qint64>()) - m_ids.cbegin());
        last = static_cast<int>(m_ids.size()) - 1;
    }
    if (last >= first) {
        beginRemoveRows({}, first, last);
        m_ids.remove(first, last - first + 1);
        endRemoveRows();
    }
    const qsizetype before = m_pending.size();
    m_pending.removeIf([minId](qint64 id) { return id < minId; });
    if (m_pending.size() != before)
        Q_EMIT pendingCountChanged(pendingCount());
    // Cached records of trimmed rows simply age out of the bounded cache.
}

void EventTableModel::onRecordsRemoved()
{
    if (!m_log)
        return;
    if (m_loading || m_log->lastId() < m_scannedUpTo) {
        reload();
        return;
    }
    if (m_checkingRemoval)
        return;
    m_checkingRemoval = true;
    // Retention trims the oldest records: find the oldest survivor and drop the rows before it (cheap). A
    // per-user deletion removes rows anywhere: when the count still disagrees, compare the full id set.
    LogQuery oldest;
    oldest.limit = 1;
    const quint64 generation = m_generation;
    m_log->idsAsync(oldest, this, [this, generation](QList<qint64> first) {
        if (generation != m_generation) {
            m_checkingRemoval = false;
            return;
        }
        const qint64 minId = first.isEmpty() ? m_scannedUpTo + 1 : first.first();
        removeOlderThan(minId);
        LogQuery query = m_filter.toLogQuery();
        query.beforeId = m_scannedUpTo + 1;
        const qint64 expected = m_ids.size() + m_pending.size();
        m_log->countAsync(query, this, [this, generation, expected, query](qint64 count) {
            if (generation != m_generation || count == expected) {
                m_checkingRemoval = false;
                return;
            }
            m_log->idsAsync(query, this, [this, generation](QList<qint64> ids) {
                m_checkingRemoval = false;
                if (generation != m_generation)
                    return;
                const QSet<qint64> alive(ids.cbegin(), ids.cend());
                removeRowsIf([&alive](qint64 id) { return !alive.contains(id); });
            });
        });
    });
}
