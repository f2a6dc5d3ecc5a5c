#pragma once

#include "log/eventlog.h"

#include <QStringList>
#include <QWidget>

#include <functional>
#include <memory>

class IndexCatalog;
class QLabel;
class QPlainTextEdit;
class QSplitter;
class QTabWidget;
class QTextBrowser;
class QTreeWidget;
class SearchLinksView;

// The details of one record, as the dashboard's Event Details / Event Headers / User Timeline: its JSON
// (pretty, highlighted, the faulty fields marked), its verdict with each issue and its field, "will it count"
// for each feature with the reason, the request's headers, the other records of the same request with the
// culprits marked, the user's timeline (their searches and events interleaved), the search side (a search's
// hits and the events citing it; an event's search) and the Raw tab (the request line, headers and body as
// received). A search reads as a search, a refused request by its status, Algolia's message, method and
// path. Everything but the record itself is read from the log asynchronously.
class DetailsPane final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DetailsPane)

public:
    enum Role
    {
        RecordIdRole = Qt::UserRole + 1, // on request-event and timeline items
        CulpritRole,                     // bool, on request-event items: this event broke a rule
    };

    explicit DetailsPane(EventLog* log, QWidget* parent = nullptr);
    ~DetailsPane() override;

    void setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs);
    void setClock(std::function<qint64()> nowMs);
    void showRecord(const LogRecord& record);
    void clear();

    // The event plan's notes on a record (issue 15, the Checks dock): which checks it satisfied or broke, a
    // line each; shown under the summary, hidden when empty. refreshPlanNotes() after the plan's verdicts
    // changed.
    void setPlanNotes(std::function<QStringList(qint64 recordId)> notes);
    void refreshPlanNotes();

    qint64 recordId() const { return m_record ? m_record->id : 0; }
    // The top-level fields marked in the JSON because an issue names them.
    QStringList markedFields() const { return m_markedFields; }

Q_SIGNALS:
    // The other events of the request and the user's timeline are in.
    void requestEventsLoaded();
    void timelineLoaded();
    // The search side (the Search tab) and the request as received (the Raw tab) are in.
    void searchLinksLoaded();
    void rawRequestLoaded();
    // The user asked to see another event (from the request list or the timeline).
    void recordRequested(qint64 id);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // The Event tab's heights: the verdict's and "will it count"'s rows whole, the JSON the rest.
    void fitEventTab();
    QString jsonHtml(const QByteArray& raw, const IssueList& issues);
    void fillRequestEvents(const QList<LogRecord>& records);
    void fillTimeline(const QList<LogRecord>& records);

    EventLog* m_log = nullptr;
    QList<std::shared_ptr<const IndexCatalog>> m_catalogs;
    std::function<qint64()> m_now;
    std::unique_ptr<LogRecord> m_record;
    QStringList m_markedFields;
    quint64 m_generation = 0;

    QTabWidget* m_tabs = nullptr;
    QLabel* m_summary = nullptr;
    std::function<QStringList(qint64)> m_planNotes;
    QLabel* m_planNotesLabel = nullptr;
    QLabel* m_searchNote = nullptr; // an event's search (a link) or a search's citing events, at a glance
    QSplitter* m_eventTab = nullptr;
    bool m_eventTabSizedByUser = false; // a handle was dragged: the heights are the user's from then on
    QTextBrowser* m_json = nullptr;
    QTreeWidget* m_issues = nullptr;
    QTreeWidget* m_usefulness = nullptr;
    QTreeWidget* m_headers = nullptr;
    QTreeWidget* m_requestEvents = nullptr;
    QTreeWidget* m_timeline = nullptr;
    SearchLinksView* m_searchLinks = nullptr;
    QPlainTextEdit* m_raw = nullptr;
};
