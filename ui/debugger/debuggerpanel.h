#pragma once

#include <QColor>
#include <QList>
#include <QString>
#include <QWidget>

#include <functional>
#include <memory>

class EventLog;
class IndexCatalog;
struct Event;

// A test user as the debugger shows it: rows of that token get the user's colour, and the filter bar offers
// a one-click filter per user.
struct DebuggerTestUser
{
    QString userToken;
    QString name;
    QColor colour;
};

// The live events debugger: filter bar, live table over the event log, details pane, charts and actions.
// The main window embeds it as its central area; the composition root passes the services in.
class DebuggerPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DebuggerPanel)

public:
    using ResendHandler = std::function<void(const QList<Event>&)>;

    // `log` may be null (no log open): the panel then shows an empty table. It must outlive the panel.
    explicit DebuggerPanel(EventLog* log, QWidget* parent = nullptr);
    ~DebuggerPanel() override;

    // Catalogs for the "will it count" objectID check and the profile estimate.
    void setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs);
    // Test users: their rows are coloured and each gets a filter button.
    void setTestUsers(const QList<DebuggerTestUser>& users);
    // Called with the selected events when the user chooses "Resend"; without a handler the action is off.
    void setResendHandler(ResendHandler handler);

    // The filter bar's text (dashboard syntax, e.g. "httpCode=422 eventType=click").
    QString filterText() const;
    void setFilterText(const QString& text);

private:
    EventLog* m_log = nullptr;
    QList<std::shared_ptr<const IndexCatalog>> m_catalogs;
    QList<DebuggerTestUser> m_testUsers;
    ResendHandler m_resendHandler;
    QString m_filterText;
};
