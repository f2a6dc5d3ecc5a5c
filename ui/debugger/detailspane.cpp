#include "detailspane.h"

#include "eventtablestyle.h"
#include "searchlinksview.h"

#include "catalog/indexcatalog.h"
#include "event/eventcodec.h"
#include "log/recordbuilder.h"
#include "views/eventexchange.h"
#include "views/eventusefulness.h"
#include "views/recordtext.h"

#include <QApplication>
#include <QDateTime>
#include <QEvent>
#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSplitter>
#include <QStyle>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {

constexpr int kTimelineLimit = 200;
constexpr int kRequestLimit = 1000;
// The Event tab shows this many of the verdict's rows whole before its list scrolls, and at least this many
// lines of the JSON.
constexpr int kVerdictRowsShown = 4;
constexpr int kJsonLinesShown = 4;

// Rows as tall as their text wrapped to its column's width (the view's own size hint measures one line).
class WrappingDelegate final : public QStyledItemDelegate
{
public:
    explicit WrappingDelegate(QTreeView* view)
        : QStyledItemDelegate(view)
        , m_view(view)
    {}

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        const int margin = m_view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, m_view) + 1;
        const int width = m_view->header()->sectionSize(index.column()) - 2 * margin;
        if (width <= 0)
            return size;
        const QRect text = option.fontMetrics.boundingRect(QRect(0, 0, width, 0), Qt::TextWordWrap,
                                                           index.data(Qt::DisplayRole).toString());
        size.setHeight(std::max(size.height(), text.height() + 2 * margin));
        return size;
    }

private:
    QTreeView* m_view;
};

// A list of short facts (first columns, sized to their contents) and a text (the last column, wrapped to
// the pane's width: "will it count" and verdicts are read, not hovered; nothing is cut off at any width).
QTreeWidget* makeTree(QWidget* parent, const QString& name, const QStringList& headers)
{
    auto* tree = new QTreeWidget(parent);
    tree->setObjectName(name);
    tree->setHeaderLabels(headers);
    tree->setRootIsDecorated(false);
    tree->setUniformRowHeights(false); // rows as tall as their wrapped text
    tree->setWordWrap(true);
    tree->setTextElideMode(Qt::ElideNone);
    tree->setAlternatingRowColors(true);
    tree->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    tree->setItemDelegate(new WrappingDelegate(tree));
    QHeaderView* header = tree->header();
    header->setStretchLastSection(true);
    for (int column = 0; column + 1 < headers.size(); ++column)
        header->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    // The rows' heights depend on the last column's width: lay them out again when it changes.
    QObject::connect(header, &QHeaderView::sectionResized, tree, [tree] { tree->doItemsLayout(); });
    return tree;
}

// The height a list needs for its header and its first `maxRows` rows, as its delegate lays them out (wrapped
// to the columns' widths).
int listHeight(const QTreeWidget* tree, int maxRows)
{
    QStyleOptionViewItem option;
    option.initFrom(tree->viewport());
    option.font = tree->font();
    option.fontMetrics = tree->fontMetrics();
    int height = 2 * tree->frameWidth() + (tree->isHeaderHidden() ? 0 : tree->header()->sizeHint().height());
    const int rows = std::min(tree->topLevelItemCount(), maxRows);
    for (int row = 0; row < rows; ++row) {
        int rowHeight = 0;
        for (int column = 0; column < tree->columnCount(); ++column) {
            const QModelIndex index = tree->model()->index(row, column);
            rowHeight =
                std::max(rowHeight, tree->itemDelegateForIndex(index)->sizeHint(option, index).height());
        }
        height += rowHeight;
    }
    return height;
}

QString topLevelField(const QString& field)
{
    qsizetype end = field.size();
    for (const QChar stop : {QLatin1Char('['), QLatin1Char('.')}) {
        const qsizetype at = field.indexOf(stop);
        if (at >= 0)
            end = std::min(end, at);
    }
    return field.left(end);
}

// The vocabulary's name (event/vocabulary.h) behind its sign.
QString severityText(Severity severity)
{
    switch (severity) {
    case Severity::Error:
        return QStringLiteral("✖ ") + severityName(severity);
    case Severity::Warning:
        return QStringLiteral("⚠ ") + severityName(severity);
    case Severity::Info:
        return QStringLiteral("ℹ ") + severityName(severity);
    }
    return {};
}

QString statusText(const LogRecord& record)
{
    return QStringLiteral("%1 (%2)").arg(RecordText::status(record).toLower(),
                                         httpStatusText(record.httpStatus));
}

// The Status column's badge beside a record in the pane's lists: a search reads as a search there too.
QIcon badgeOf(const LogRecord& record)
{
    return EventTableStyle::badge(verdictOf(record), record.kind);
}

// What was logged as the record's JSON, shown as text when it is not JSON (a refused request's body).
bool isJson(const QByteArray& raw)
{
    QJsonParseError error;
    QJsonDocument::fromJson(raw, &error);
    return error.error == QJsonParseError::NoError;
}

// One line of pretty JSON, coloured: keys, strings, numbers and literals.
QString highlightLine(const QString& line)
{
    static const QRegularExpression token(QStringLiteral(
        R"RX(("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b)RX"));
    QString html;
    qsizetype last = 0;
    auto it = token.globalMatch(line);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        html += line.mid(last, m.capturedStart() - last).toHtmlEscaped();
        QString colour;
        if (!m.captured(1).isEmpty())
            colour = m.captured(2).isEmpty() ? QStringLiteral("#2e7d32") : QStringLiteral("#6f42c1");
        else if (!m.captured(3).isEmpty())
            colour = QStringLiteral("#1565c0");
        else
            colour = QStringLiteral("#d35400");
        html +=
            QStringLiteral("<span style=\"color:%1\">%2</span>").arg(colour, m.captured(0).toHtmlEscaped());
        last = m.capturedEnd();
    }
    html += line.mid(last).toHtmlEscaped();
    return html;
}

} // namespace

DetailsPane::DetailsPane(EventLog* log, QWidget* parent)
    : QWidget(parent)
    , m_log(log)
    , m_now([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    setObjectName(QStringLiteral("detailsPane"));
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("detailsSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_planNotesLabel = new QLabel(this);
    m_planNotesLabel->setObjectName(QStringLiteral("detailsPlanNotes"));
    m_planNotesLabel->setWordWrap(true);
    m_planNotesLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_planNotesLabel->setTextFormat(Qt::PlainText);
    m_planNotesLabel->hide();

    m_searchNote = new QLabel(this);
    m_searchNote->setObjectName(QStringLiteral("detailsSearchNote"));
    m_searchNote->setWordWrap(true);
    m_searchNote->setTextFormat(Qt::RichText);
    m_searchNote->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_searchNote->hide();

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("detailsTabs"));

    // Event: JSON, verdict, will it count.
    auto* eventTab = new QSplitter(Qt::Vertical, m_tabs);
    m_json = new QTextBrowser(eventTab);
    m_json->setObjectName(QStringLiteral("detailsJson"));
    m_json->setOpenLinks(false);
    m_issues =
        makeTree(eventTab, QStringLiteral("detailsIssues"), {tr("Severity"), tr("Field"), tr("Message")});
    m_usefulness = makeTree(eventTab, QStringLiteral("detailsUsefulness"),
                            {tr("Feature"), tr("Will it count"), tr("Why")});
    eventTab->addWidget(m_json);
    eventTab->addWidget(m_issues);
    eventTab->addWidget(m_usefulness);
    eventTab->setStretchFactor(0, 3);
    m_eventTab = eventTab;
    eventTab->installEventFilter(this);
    connect(eventTab, &QSplitter::splitterMoved, this, [this] { m_eventTabSizedByUser = true; });
    m_tabs->addTab(eventTab, tr("Event"));

    // Request: headers and the other events of the same request.
    auto* requestTab = new QSplitter(Qt::Vertical, m_tabs);
    m_headers = makeTree(requestTab, QStringLiteral("detailsHeaders"), {tr("Header"), tr("Value")});
    m_requestEvents = makeTree(requestTab, QStringLiteral("detailsRequestEvents"),
                               {tr("#"), tr("Event"), tr("User token"), tr("Verdict")});
    requestTab->addWidget(m_headers);
    requestTab->addWidget(m_requestEvents);
    m_tabs->addTab(requestTab, tr("Request"));

    // Search: a search's hits and the events citing it, or an event's search (shown when one applies).
    m_searchLinks = new SearchLinksView(m_log, m_tabs);
    m_tabs->insertTab(1, m_searchLinks, tr("Search"));

    // Timeline: the user's searches and events over time.
    m_timeline = makeTree(m_tabs, QStringLiteral("detailsTimeline"),
                          {tr("Received at"), tr("Event"), tr("Name"), tr("Index"), tr("Status")});
    m_tabs->addTab(m_timeline, tr("User timeline"));

    // Raw: the request as received, in full (wrapped, monospace, scrollable; the key masked by the endpoint).
    m_raw = new QPlainTextEdit(m_tabs);
    m_raw->setObjectName(QStringLiteral("detailsRaw"));
    m_raw->setReadOnly(true);
    m_raw->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_raw->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    m_raw->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_tabs->addTab(m_raw, tr("Raw"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_planNotesLabel);
    layout->addWidget(m_searchNote);
    layout->addWidget(m_tabs, 1);

    const auto jump = [this](QTreeWidgetItem* item) {
        const qint64 id = item->data(0, RecordIdRole).toLongLong();
        if (id > 0 && (!m_record || id != m_record->id))
            Q_EMIT recordRequested(id);
    };
    connect(m_requestEvents, &QTreeWidget::itemActivated, this, jump);
    connect(m_timeline, &QTreeWidget::itemActivated, this, jump);
    connect(m_searchLinks, &SearchLinksView::recordRequested, this, &DetailsPane::recordRequested);
    connect(m_searchLinks, &SearchLinksView::linksLoaded, this, [this] {
        m_searchNote->setText(m_searchLinks->note());
        m_searchNote->setVisible(!m_searchLinks->note().isEmpty());
        Q_EMIT searchLinksLoaded();
    });
    // "record:<id>": the search an event cites, selected in the table.
    connect(m_searchNote, &QLabel::linkActivated, this, [this](const QString& link) {
        const QString prefix = QStringLiteral("record:");
        const qint64 id = link.startsWith(prefix) ? link.mid(prefix.size()).toLongLong() : 0;
        if (id > 0)
            Q_EMIT recordRequested(id);
    });
    if (m_log) {
        // Algolia's verdict arrives seconds after the event (its debugger feed): show it when it does.
        connect(m_log, &EventLog::recordsChanged, this, [this](const QList<qint64>& ids) {
            if (!m_record || !ids.contains(m_record->id))
                return;
            const quint64 generation = m_generation;
            m_log->recordsAsync({m_record->id}, this, [this, generation](QList<LogRecord> records) {
                if (generation == m_generation && !records.isEmpty())
                    showRecord(records.constFirst());
            });
        });
    }
    clear();
}

DetailsPane::~DetailsPane() = default;

bool DetailsPane::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_eventTab && event->type() == QEvent::Resize)
        fitEventTab();
    return QWidget::eventFilter(watched, event);
}

void DetailsPane::fitEventTab()
{
    // In a dock under the table the pane is short: left to the splitter's stretch, the JSON took the height
    // and the verdict and "will it count" showed a row or two. Their rows come first; the JSON gets the rest,
    // at least a few lines.
    if (m_eventTabSizedByUser || m_eventTab->height() <= 0)
        return;
    const bool usefulnessShown = !m_usefulness->isHidden();
    const int handles = m_eventTab->handleWidth() * (usefulnessShown ? 2 : 1);
    const int available = m_eventTab->height() - handles;
    const int usefulness = usefulnessShown ? listHeight(m_usefulness, m_usefulness->topLevelItemCount()) : 0;
    const int jsonMinimum = kJsonLinesShown * m_json->fontMetrics().lineSpacing() + 2 * m_json->frameWidth() +
                            2 * static_cast<int>(m_json->document()->documentMargin());
    int issues = listHeight(m_issues, kVerdictRowsShown);
    int json = available - usefulness - issues;
    if (json < jsonMinimum) {
        json = jsonMinimum;
        issues = std::max(listHeight(m_issues, 1), available - usefulness - json);
    }
    m_eventTab->setSizes({json, issues, usefulness});
}

void DetailsPane::setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs)
{
    m_catalogs = std::move(catalogs);
    if (m_record)
        showRecord(LogRecord(*m_record));
}

void DetailsPane::setClock(std::function<qint64()> nowMs)
{
    m_now = std::move(nowMs);
}

void DetailsPane::setPlanNotes(std::function<QStringList(qint64 recordId)> notes)
{
    m_planNotes = std::move(notes);
    refreshPlanNotes();
}

void DetailsPane::refreshPlanNotes()
{
    const QStringList lines = m_planNotes && m_record ? m_planNotes(m_record->id) : QStringList();
    m_planNotesLabel->setText(lines.isEmpty() ? QString()
                                              : tr("Plan: ") + lines.join(QStringLiteral("\n      ")));
    m_planNotesLabel->setVisible(!lines.isEmpty());
}

void DetailsPane::clear()
{
    ++m_generation;
    m_record.reset();
    m_markedFields.clear();
    m_summary->setText(tr("Select a row to see its details."));
    refreshPlanNotes();
    m_json->clear();
    m_issues->clear();
    m_usefulness->clear();
    m_headers->clear();
    m_requestEvents->clear();
    m_timeline->clear();
    m_searchLinks->clear();
    m_tabs->setTabVisible(m_tabs->indexOf(m_searchLinks), false);
    m_searchNote->clear();
    m_searchNote->hide();
    m_raw->clear();
}

QString DetailsPane::jsonHtml(const QByteArray& raw, const IssueList& issues)
{
    // Which top-level keys an issue names, and the first message for each.
    QHash<QString, const Issue*> byField;
    for (const Issue& issue : issues) {
        if (issue.severity == Severity::Info || issue.field.isEmpty())
            continue;
        const QString key = topLevelField(issue.field);
        const auto it = byField.constFind(key);
        if (it == byField.cend() || (issue.isError() && !(*it)->isError()))
            byField.insert(key, &issue);
    }
    m_markedFields.clear();
    QString html = QStringLiteral("<pre style=\"margin:0; white-space:pre-wrap\">");
    const QStringList lines = QString::fromUtf8(EventExchange::prettyJson(raw)).split(QLatin1Char('\n'));
    static const QRegularExpression topKey(QStringLiteral(R"RX(^    "((?:[^"\\]|\\.)*)"\s*:)RX"));
    for (const QString& line : lines) {
        const QRegularExpressionMatch m = topKey.match(line);
        const Issue* issue = m.hasMatch() ? byField.value(m.captured(1)) : nullptr;
        if (issue) {
            m_markedFields << m.captured(1);
            const QString colour = issue->isError() ? QStringLiteral("#f8d7da") : QStringLiteral("#fff3cd");
            html += QStringLiteral("<span style=\"background-color:%1\">%2</span>"
                                   "<span style=\"color:#c0392b\">  ◀ %3: %4</span>\n")
                        .arg(colour, highlightLine(line), issue->field.toHtmlEscaped(),
                             issue->message.toHtmlEscaped());
        } else {
            html += highlightLine(line) + QLatin1Char('\n');
        }
    }
    // A field the event lacks (e.g. a required one) has no line: say so below the JSON.
    for (auto it = byField.cbegin(); it != byField.cend(); ++it) {
        if (!m_markedFields.contains(it.key())) {
            m_markedFields << it.key();
            html += QStringLiteral("<span style=\"color:#c0392b\">◀ %1 (absent): %2</span>\n")
                        .arg(it.value()->field.toHtmlEscaped(), it.value()->message.toHtmlEscaped());
        }
    }
    html += QStringLiteral("</pre>");
    return html;
}

void DetailsPane::showRecord(const LogRecord& record)
{
    const quint64 generation = ++m_generation;
    m_record = std::make_unique<LogRecord>(record);

    // Summary and verdict.
    const RecordTexts texts = RecordText::of(record);
    QString summary = QStringLiteral("<b>%1</b>").arg(statusText(record).toHtmlEscaped());
    // Algolia's own verdict (from its debugger feed) beside the local one: they can differ.
    if (record.algoliaStatus) {
        const bool algoliaAccepted = *record.algoliaStatus >= 200 && *record.algoliaStatus < 300;
        summary += QStringLiteral(" · <b style=\"color:%1\">%2</b>")
                       .arg(algoliaAccepted ? QStringLiteral("#2e7d32") : QStringLiteral("#c0392b"),
                            algoliaVerdictText(record).toHtmlEscaped());
    }
    switch (record.kind) {
    case RecordKind::Event:
        summary += QStringLiteral(" · HTTP %1 · %2 · %3")
                       .arg(httpStatusText(record.httpStatus), texts.type.toHtmlEscaped(),
                            texts.name.toHtmlEscaped());
        break;
    case RecordKind::Search:
        summary +=
            QStringLiteral(" · HTTP %1 · %2 · %3 · %4")
                .arg(record.httpStatus)
                .arg(texts.name.toHtmlEscaped(), texts.type.toHtmlEscaped(), record.index.toHtmlEscaped());
        break;
    case RecordKind::Request:
        // Refused before any event was judged: what was asked, and why it was refused.
        summary += QStringLiteral(" · HTTP %1 · %2")
                       .arg(record.httpStatus)
                       .arg(RecordText::requestLine(record).toHtmlEscaped());
        break;
    }
    // An event not delivered got no answer from Algolia: its message is why the app gave up.
    if (!record.accepted && !record.message.isEmpty())
        summary += (verdictOf(record) == Verdict::NotDelivered ? QStringLiteral("<br/>Not delivered: %1")
                                                               : QStringLiteral("<br/>Algolia's answer: %1"))
                       .arg(record.message.toHtmlEscaped());
    m_summary->setText(summary);
    refreshPlanNotes();

    if (record.kind == RecordKind::Request && !isJson(record.rawJson)) {
        // A body that is not JSON is shown as it came, wrapped: never re-indented into nonsense.
        m_markedFields.clear();
        m_json->setHtml(QStringLiteral("<pre style=\"margin:0; white-space:pre-wrap\">%1</pre>")
                            .arg(record.rawJson.isEmpty()
                                     ? tr("(empty body)")
                                     : QString::fromUtf8(record.rawJson).toHtmlEscaped()));
    } else {
        m_json->setHtml(jsonHtml(record.rawJson, record.issues));
    }

    m_issues->clear();
    for (const Issue& issue : record.issues) {
        auto* item = new QTreeWidgetItem(
            m_issues, {severityText(issue.severity), issue.field.isEmpty() ? tr("(event)") : issue.field,
                       issue.message + (issue.unverifiedMessage ? tr(" (wording unverified)") : QString())});
        item->setToolTip(2, issue.code);
        if (issue.isError())
            item->setForeground(0, QColor(0xc0, 0x39, 0x2b));
    }
    for (const QString& error : record.algoliaErrors) {
        auto* item = new QTreeWidgetItem(m_issues, {tr("✖ Algolia"), tr("(event)"), error});
        item->setToolTip(2, tr("Recorded by Algolia's debugger feed"));
        item->setForeground(0, QColor(0xc0, 0x39, 0x2b));
    }
    if (record.issues.isEmpty() && record.kind != RecordKind::Request)
        new QTreeWidgetItem(
            m_issues, {tr("✔ none"), QString(),
                       record.accepted ? tr("No issue found")
                                       : tr("This event breaks no rule; another event of its request does")});

    // Will it count.
    m_usefulness->clear();
    // Only an event can count: a search is what events count against, a refused request had none.
    const DecodedBatch decoded =
        record.kind == RecordKind::Event ? EventCodec::decodeEvent(record.rawJson) : DecodedBatch();
    m_usefulness->setVisible(record.kind == RecordKind::Event);
    if (!decoded.events.isEmpty()) {
        QList<const IndexCatalog*> catalogs;
        for (const auto& catalog : m_catalogs)
            catalogs << catalog.get();
        for (const FeatureUse& use :
             EventUsefulness::judge(decoded.events.first(), record, catalogs, m_now())) {
            const QString mark = use.use == Usefulness::Counts         ? QStringLiteral("✔ ")
                                 : use.use == Usefulness::DoesNotCount ? QStringLiteral("✖ ")
                                                                       : QStringLiteral("? ");
            auto* item = new QTreeWidgetItem(
                m_usefulness, {use.feature, mark + EventUsefulness::usefulnessName(use.use), use.reason});
            item->setToolTip(2, use.reason);
        }
    }
    fitEventTab();

    // Headers (never the API key: the log does not hold it).
    m_headers->clear();
    const QList<std::pair<QString, QString>> headers{
        {tr("Agent (x-algolia-agent)"), record.agent},
        {tr("User agent"), record.userAgent},
        {tr("Referer"), record.referer},
        {tr("Origin"), record.origin},
        {tr("Device"), record.device},
        {tr("Application ID"), record.appId},
        {tr("Remote address"), record.remoteAddress},
        {tr("Request line"), RecordText::requestLine(record)},
        {tr("Source"), eventSourceName(record.source)},
        {tr("Target"), record.target},
        {tr("Request"), record.requestId + QStringLiteral(" (#") + QString::number(record.indexInRequest) +
                            QLatin1Char(')')},
        {tr("Received at"), QDateTime::fromMSecsSinceEpoch(record.receivedAtMs).toString(Qt::ISODateWithMs)},
    };
    for (const auto& [name, value] : headers)
        new QTreeWidgetItem(m_headers, {name, value.isEmpty() ? tr("(none)") : value});

    m_requestEvents->clear();
    m_timeline->clear();
    // The first tab holds what was logged: an event, a search's JSON or a refused request's body.
    m_tabs->setTabText(0, record.kind == RecordKind::Event    ? tr("Event")
                          : record.kind == RecordKind::Search ? tr("Search JSON")
                                                              : tr("Body"));
    m_searchNote->clear();
    m_searchNote->hide();
    const bool searchSide = SearchLinksView::appliesTo(record);
    m_tabs->setTabVisible(m_tabs->indexOf(m_searchLinks), searchSide);
    if (searchSide)
        m_searchLinks->showRecord(record);
    else
        m_searchLinks->clear();
    m_raw->setPlainText(tr("Reading the request as received…"));
    if (!m_log)
        return;
    m_log->rawRequestAsync(record.requestId, this, [this, generation](std::optional<RawRequest> raw) {
        if (generation != m_generation)
            return;
        m_raw->setPlainText(raw ? RecordText::rawRequestText(*raw)
                                : tr("The request as received was not kept for this record (it was imported, "
                                     "sent by the app or seen in Algolia's feed): its JSON is on the first "
                                     "tab."));
        Q_EMIT rawRequestLoaded();
    });
    LogQuery sameRequest;
    sameRequest.requestId = record.requestId;
    sameRequest.limit = kRequestLimit;
    m_log->queryAsync(sameRequest, this, [this, generation](QList<LogRecord> records) {
        if (generation == m_generation)
            fillRequestEvents(records);
    });
    const QString token =
        record.authenticatedUserToken.isEmpty() ? record.userToken : record.authenticatedUserToken;
    if (!token.isEmpty()) {
        LogQuery user;
        user.userToken = token;
        user.newestFirst = true;
        user.limit = kTimelineLimit;
        m_log->queryAsync(user, this, [this, generation](QList<LogRecord> records) {
            if (generation == m_generation)
                fillTimeline(records);
        });
    }
}

void DetailsPane::fillRequestEvents(const QList<LogRecord>& records)
{
    m_requestEvents->clear();
    for (const LogRecord& r : records) {
        const auto error =
            std::find_if(r.issues.cbegin(), r.issues.cend(), [](const Issue& i) { return i.isError(); });
        // A refused request's error says why it was refused: no event of it is a culprit.
        const bool culprit = r.kind == RecordKind::Event && error != r.issues.cend();
        QString verdict =
            culprit ? QStringLiteral("✖ culprit: ") + error->field + QStringLiteral(": ") + error->message
                    : statusText(r);
        if (r.algoliaStatus)
            verdict += QStringLiteral(" · ") + algoliaVerdictText(r);
        auto* item = new QTreeWidgetItem(m_requestEvents,
                                         {QString::number(r.indexInRequest),
                                          RecordText::oneLine(RecordText::of(r)), r.userToken, verdict});
        item->setIcon(3, badgeOf(r));
        item->setData(0, RecordIdRole, r.id);
        item->setData(0, CulpritRole, culprit);
        item->setToolTip(3, verdict);
        if (culprit) {
            for (int c = 0; c < item->columnCount(); ++c)
                item->setBackground(c, QColor(220, 53, 69, 90));
        }
        if (m_record && r.id == m_record->id) {
            QFont bold = item->font(0);
            bold.setBold(true);
            for (int c = 0; c < item->columnCount(); ++c)
                item->setFont(c, bold);
        }
    }
    Q_EMIT requestEventsLoaded();
}

void DetailsPane::fillTimeline(const QList<LogRecord>& records)
{
    m_timeline->clear();
    // Searches and events of the user, newest first, each with its time of day.
    for (const LogRecord& r : records) {
        const RecordTexts texts = RecordText::of(r);
        auto* item = new QTreeWidgetItem(
            m_timeline, {QDateTime::fromMSecsSinceEpoch(r.receivedAtMs)
                             .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")),
                         texts.type, texts.name, r.index,
                         r.algoliaStatus ? statusText(r) + QStringLiteral(" · ") + algoliaVerdictText(r)
                                         : statusText(r)});
        item->setIcon(4, badgeOf(r));
        item->setData(0, RecordIdRole, r.id);
        if (m_record && r.id == m_record->id) {
            QFont bold = item->font(0);
            bold.setBold(true);
            for (int c = 0; c < item->columnCount(); ++c)
                item->setFont(c, bold);
        }
    }
    Q_EMIT timelineLoaded();
}
