#pragma once

#include "log/eventlog.h"

#include <QWidget>

#include <functional>
#include <memory>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;
struct SearchRecord;

// The search side of a record in the details pane (issue 12 §4), read from the log off the GUI thread:
// - for a search: its parameters, its hits (objectIDs in order with their absolute positions) and the events
//   that cite its queryID;
// - for an event with a queryID: the search that returned it (the same, with the event's objectIDs marked
//   among the hits) and the other events citing it, or that no search with this queryID was recorded.
// Activating a linked record (double click, Enter) asks for it to be selected (recordRequested).
class SearchLinksView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SearchLinksView)

public:
    enum Role
    {
        RecordIdRole = Qt::UserRole + 1, // on linked records
    };

    explicit SearchLinksView(EventLog* log, QWidget* parent = nullptr);
    ~SearchLinksView() override;

    // Whether a record has a search side: a search, or an event that cites a queryID.
    static bool appliesTo(const LogRecord& record);
    // One line for the details' summary once the links are in (rich text): an event's search as a link
    // ("record:<id>"), or that none was recorded; for a search, how many events cite it. Empty before.
    QString note() const { return m_note; }
    void showRecord(const LogRecord& record);
    void clear();

Q_SIGNALS:
    // The search and the linked events are in (or it is known that there are none).
    void linksLoaded();
    void recordRequested(qint64 id);

private:
    void showSearch(const LogRecord& searchRecord, const SearchRecord& search, const QStringList& clicked);
    void fillLinks(const QList<LogRecord>& records);

    EventLog* m_log = nullptr;
    quint64 m_generation = 0;
    qint64 m_recordId = 0;
    bool m_showingSearch = false; // the record shown is a search (not an event citing one)
    QString m_note;
    QLabel* m_summary = nullptr;
    QTreeWidget* m_params = nullptr;
    QTreeWidget* m_hits = nullptr;
    QTreeWidget* m_links = nullptr;
};
