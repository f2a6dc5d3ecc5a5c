#include "debuggerpanel.h"

#include "catalog/indexcatalog.h"
#include "event/event.h"
#include "log/eventlog.h"

#include <QLabel>
#include <QVBoxLayout>

#include <utility>

DebuggerPanel::DebuggerPanel(EventLog* log, QWidget* parent)
    : QWidget(parent)
    , m_log(log)
{
    setObjectName(QStringLiteral("debuggerPanel"));
    auto* layout = new QVBoxLayout(this);
    auto* placeholder = new QLabel(tr("Live events debugger"), this);
    placeholder->setObjectName(QStringLiteral("debuggerPlaceholder"));
    layout->addWidget(placeholder);
}

DebuggerPanel::~DebuggerPanel() = default;

void DebuggerPanel::setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs)
{
    m_catalogs = std::move(catalogs);
}

void DebuggerPanel::setTestUsers(const QList<DebuggerTestUser>& users)
{
    m_testUsers = users;
}

void DebuggerPanel::setResendHandler(ResendHandler handler)
{
    m_resendHandler = std::move(handler);
}

QString DebuggerPanel::filterText() const
{
    return m_filterText;
}

void DebuggerPanel::setFilterText(const QString& text)
{
    m_filterText = text;
}
