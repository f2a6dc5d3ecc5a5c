#include "searchlinksview.h"

#include "event/eventcodec.h"
#include "event/vocabulary.h"
#include "search/searchrecord.h"
#include "views/recordtext.h"

#include <QDateTime>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QSet>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {

constexpr int kLinkedLimit = 500;                // events citing one search shown at most
constexpr int kThisEventRole = Qt::UserRole + 2; // on hits: the shown event names this objectID

QTreeWidget* makeList(QWidget* parent, const QString& name, const QStringList& headers)
{
    auto* tree = new QTreeWidget(parent);
    tree->setObjectName(name);
    tree->setHeaderLabels(headers);
    tree->setRootIsDecorated(false);
    tree->setWordWrap(true);
    tree->setTextElideMode(Qt::ElideNone);
    tree->setAlternatingRowColors(true);
    QHeaderView* header = tree->header();
    header->setStretchLastSection(true);
    for (int column = 0; column + 1 < headers.size(); ++column)
        header->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    return tree;
}

QString timeOfDay(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss.zzz"));
}

QString yesNo(bool value)
{
    return value ? QStringLiteral("true") : QStringLiteral("false");
}

void bold(QTreeWidgetItem* item)
{
    QFont font = item->font(0);
    font.setBold(true);
    for (int c = 0; c < item->columnCount(); ++c)
        item->setFont(c, font);
}

} // namespace

SearchLinksView::SearchLinksView(EventLog* log, QWidget* parent)
    : QWidget(parent)
    , m_log(log)
{
    setObjectName(QStringLiteral("detailsSearchTab"));
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("detailsSearchSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    m_params = makeList(splitter, QStringLiteral("detailsSearchParams"), {tr("Parameter"), tr("Value")});
    m_hits = makeList(splitter, QStringLiteral("detailsSearchHits"),
                      {tr("Position"), tr("objectID"), tr("Events citing the search on it")});
    m_links = makeList(splitter, QStringLiteral("detailsSearchLinks"),
                       {tr("Received at"), tr("Record"), tr("User token"), tr("Status")});
    m_links->setToolTip(tr("Double-click or press Enter to select the record in the table"));
    splitter->addWidget(m_params);
    splitter->addWidget(m_hits);
    splitter->addWidget(m_links);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(splitter, 1);

    connect(m_links, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        const qint64 id = item->data(0, RecordIdRole).toLongLong();
        if (id > 0 && id != m_recordId)
            Q_EMIT recordRequested(id);
    });
    clear();
}

SearchLinksView::~SearchLinksView() = default;

bool SearchLinksView::appliesTo(const LogRecord& record)
{
    return record.kind == RecordKind::Search ||
           (record.kind == RecordKind::Event && !record.queryId.isEmpty());
}

void SearchLinksView::clear()
{
    ++m_generation;
    m_recordId = 0;
    m_showingSearch = false;
    m_note.clear();
    m_summary->clear();
    m_params->clear();
    m_hits->clear();
    m_links->clear();
}

void SearchLinksView::showRecord(const LogRecord& record)
{
    clear();
    const quint64 generation = m_generation;
    m_recordId = record.id;
    m_showingSearch = record.kind == RecordKind::Search;
    if (record.kind == RecordKind::Search) {
        const std::optional<SearchRecord> search = RecordText::searchOf(record);
        showSearch(record, search.value_or(SearchRecord()), {});
        if (record.queryId.isEmpty()) {
            const QString why = tr("This search returned no queryID (clickAnalytics was not set): no event "
                                   "can cite it, so Algolia cannot tie clicks or conversions to it.");
            m_summary->setText(m_summary->text() + QLatin1Char('\n') + why);
            m_note = why.toHtmlEscaped();
            Q_EMIT linksLoaded();
            return;
        }
        if (!m_log)
            return;
        LogQuery citing;
        citing.kind = RecordKind::Event;
        citing.queryId = record.queryId;
        citing.limit = kLinkedLimit;
        m_log->queryAsync(citing, this, [this, generation](QList<LogRecord> records) {
            if (generation == m_generation)
                fillLinks(records);
        });
        return;
    }
    // An event citing a queryID: the search that returned it, then the events that cite it too.
    QStringList clicked;
    const DecodedBatch decoded = EventCodec::decodeEvent(record.rawJson);
    if (!decoded.events.isEmpty())
        clicked = decoded.events.first().objectIDs.value_or(QStringList());
    m_summary->setText(tr("Looking for the search that returned queryID %1…").arg(record.queryId));
    if (!m_log)
        return;
    LogQuery searches;
    searches.kind = RecordKind::Search;
    searches.queryId = record.queryId;
    searches.newestFirst = true;
    searches.limit = 1;
    const QString queryId = record.queryId;
    m_log->queryAsync(searches, this, [this, generation, clicked, queryId](QList<LogRecord> found) {
        if (generation != m_generation)
            return;
        if (found.isEmpty()) {
            m_summary->setText(tr("No search with this queryID (%1) was recorded: the search was made "
                                  "elsewhere (not through the endpoint), before the log was cleared, or the "
                                  "queryID is wrong.")
                                   .arg(queryId));
            m_note = tr("queryID %1 · no search with this queryID was recorded").arg(queryId.toHtmlEscaped());
        } else {
            const LogRecord& searchRecord = found.constFirst();
            const SearchRecord search = RecordText::searchOf(searchRecord).value_or(SearchRecord());
            showSearch(searchRecord, search, clicked);
            m_note = tr("queryID %1 · cites <a href=\"record:%2\">the search %3 (%4) at %5</a>")
                         .arg(queryId.toHtmlEscaped())
                         .arg(searchRecord.id)
                         .arg(SearchWords::queryText(search.query).toHtmlEscaped(),
                              SearchWords::hitCount(search.nbHits), timeOfDay(searchRecord.receivedAtMs));
        }
        LogQuery citing;
        citing.queryId = queryId;
        citing.limit = kLinkedLimit;
        m_log->queryAsync(citing, this, [this, generation](QList<LogRecord> records) {
            if (generation == m_generation)
                fillLinks(records);
        });
    });
}

void SearchLinksView::showSearch(const LogRecord& searchRecord, const SearchRecord& search,
                                 const QStringList& clicked)
{
    m_summary->setText(tr("Search %1 in %2 at %3 · %4 · queryID %5")
                           .arg(SearchWords::queryText(search.query), search.index,
                                timeOfDay(searchRecord.receivedAtMs), SearchWords::hitCount(search.nbHits),
                                searchRecord.queryId.isEmpty() ? tr("(none)") : searchRecord.queryId));
    m_params->clear();
    const QList<std::pair<QString, QString>> params{
        {QStringLiteral("query"), search.query},
        {QStringLiteral("index"), search.index},
        {QStringLiteral("page"), QString::number(search.page)},
        {QStringLiteral("hitsPerPage"), QString::number(search.hitsPerPage)},
        {QStringLiteral("nbHits"), QString::number(search.nbHits)},
        {QStringLiteral("clickAnalytics"), yesNo(search.clickAnalytics)},
        {QStringLiteral("enablePersonalization"), yesNo(search.enablePersonalization)},
        {QStringLiteral("userToken"), search.userToken.isEmpty() ? tr("(none)") : search.userToken},
        {QStringLiteral("queryID"), search.queryID.isEmpty() ? tr("(none)") : search.queryID},
    };
    for (const auto& [name, value] : params)
        new QTreeWidgetItem(m_params, {name, value});
    m_hits->clear();
    for (qsizetype rank = 0; rank < search.hits.size(); ++rank) {
        const QString& objectID = search.hits.at(rank);
        const int position = search.page * search.hitsPerPage + static_cast<int>(rank) + 1;
        const bool isClicked = clicked.contains(objectID);
        auto* item = new QTreeWidgetItem(m_hits, {QString::number(position), objectID,
                                                  isClicked ? tr("◀ this event's objectID") : QString()});
        item->setData(0, kThisEventRole, isClicked);
        if (isClicked)
            bold(item);
    }
    // The search itself leads the linked records when an event is shown.
    if (searchRecord.id != m_recordId) {
        const RecordTexts texts = RecordText::of(searchRecord);
        auto* item =
            new QTreeWidgetItem(m_links, {timeOfDay(searchRecord.receivedAtMs), RecordText::oneLine(texts),
                                          searchRecord.userToken, texts.status});
        item->setData(0, RecordIdRole, searchRecord.id);
        item->setToolTip(1, tr("The search this event cites: double-click to select it"));
    }
}

void SearchLinksView::fillLinks(const QList<LogRecord>& records)
{
    // How many of the other events citing the search name each hit (a click on the wrong objectID shows as
    // a hit nobody clicked).
    QHash<QString, int> onHit;
    for (const LogRecord& r : records) {
        if (r.kind != RecordKind::Event)
            continue;
        if (r.id != m_recordId) {
            const DecodedBatch decoded = EventCodec::decodeEvent(r.rawJson);
            const QStringList objectIDs = decoded.events.isEmpty()
                                              ? QStringList()
                                              : decoded.events.first().objectIDs.value_or(QStringList());
            for (const QString& objectID : QSet<QString>(objectIDs.cbegin(), objectIDs.cend()))
                ++onHit[objectID];
        }
        const RecordTexts texts = RecordText::of(r);
        auto* item = new QTreeWidgetItem(
            m_links, {timeOfDay(r.receivedAtMs), RecordText::oneLine(texts), r.userToken, texts.status});
        item->setData(0, RecordIdRole, r.id);
        if (r.id == m_recordId)
            bold(item);
    }
    for (int i = 0; i < m_hits->topLevelItemCount(); ++i) {
        QTreeWidgetItem* hit = m_hits->topLevelItem(i);
        QStringList parts;
        if (hit->data(0, kThisEventRole).toBool())
            parts << tr("◀ this event's objectID");
        if (const int n = onHit.value(hit->text(1)); n > 0)
            parts << (n == 1 ? tr("1 event") : tr("%1 events").arg(n));
        hit->setText(2, parts.join(QStringLiteral(" · ")));
    }
    if (m_showingSearch && m_note.isEmpty()) {
        int citing = 0;
        for (const LogRecord& r : records)
            citing += r.kind == RecordKind::Event ? 1 : 0;
        m_note = citing == 0   ? tr("No event cites this search yet")
                 : citing == 1 ? tr("1 event cites this search (Search tab)")
                               : tr("%1 events cite this search (Search tab)").arg(citing);
    }
    if (m_links->topLevelItemCount() == 0)
        new QTreeWidgetItem(m_links, {QString(), tr("No event cites this search's queryID yet")});
    Q_EMIT linksLoaded();
}
