#include "filterbar.h"

#include "debuggerpanel.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPixmap>
#include <QToolButton>
#include <QVBoxLayout>

namespace {

constexpr int kDebounceMs = 300;
constexpr int kRecentMax = 15;
// The filter box never gets narrower than this many average characters (it shrank to "Fi…" in a crowded
// window); long test user names are elided in their combo instead.
constexpr int kFilterMinChars = 28;
constexpr int kUserComboChars = 14;

} // namespace

FilterBar::FilterBar(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("filterBar"));
    m_edit = new QLineEdit(this);
    m_edit->setObjectName(QStringLiteral("filterEdit"));
    m_edit->setClearButtonEnabled(true);
    m_edit->setMinimumWidth(m_edit->fontMetrics().averageCharWidth() * kFilterMinChars);
    m_edit->setPlaceholderText(
        tr("Filter: httpCode=422 eventType=click userToken=… errors=true, or any text"));
    m_edit->setToolTip(helpText());

    m_recentButton = new QToolButton(this);
    m_recentButton->setObjectName(QStringLiteral("recentFiltersButton"));
    m_recentButton->setText(tr("Recent"));
    m_recentButton->setPopupMode(QToolButton::InstantPopup);
    m_recentMenu = new QMenu(m_recentButton);
    m_recentButton->setMenu(m_recentMenu);

    m_errorsOnly = new QToolButton(this);
    m_errorsOnly->setObjectName(QStringLiteral("errorsOnlyButton"));
    m_errorsOnly->setText(tr("Errors only"));
    m_errorsOnly->setToolTip(
        tr("Only events that break a rule themselves, and refused requests (errors=true)"));
    m_errorsOnly->setCheckable(true);

    m_testUser = new QComboBox(this);
    m_testUser->setObjectName(QStringLiteral("testUserFilter"));
    m_testUser->addItem(tr("All users"));
    m_testUser->setToolTip(tr("Only one test user's events"));
    m_testUser->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_testUser->setMinimumContentsLength(kUserComboChars);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("filterError"));
    m_error->setStyleSheet(QStringLiteral("color: #c0392b"));
    m_error->setVisible(false);

    auto* row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_edit, 1);
    row->addWidget(m_recentButton);
    row->addWidget(m_errorsOnly);
    row->addWidget(m_testUser);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(row);
    layout->addWidget(m_error);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(kDebounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &FilterBar::apply);
    connect(m_edit, &QLineEdit::textEdited, this, [this] { m_debounce.start(); });
    connect(m_edit, &QLineEdit::returnPressed, this, [this] {
        m_debounce.stop();
        apply();
        if (errorText().isEmpty())
            remember(m_edit->text().trimmed());
    });
    connect(m_errorsOnly, &QToolButton::toggled, this, &FilterBar::setErrorsOnly);
    connect(m_testUser, &QComboBox::activated, this, &FilterBar::selectTestUser);
    rebuildRecentMenu();
}

QString FilterBar::helpText()
{
    return tr("Fields: %1. Conditions are combined with AND (a space or the word AND); other words are "
              "searched in the record's JSON (an event, a search's query and hits, a refused request's "
              "body). "
              "kind=search shows the searches, kind=request the refused requests, kind=event the events; "
              "queryID=… a search and the events that cite it. Quote values with spaces: "
              "eventName=\"Product Clicked\".")
        .arg(EventFilter::keys().join(QStringLiteral(", ")));
}

void FilterBar::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        m_edit->setMinimumWidth(m_edit->fontMetrics().averageCharWidth() * kFilterMinChars);
}

void FilterBar::setRecentFilters(const QStringList& filters)
{
    m_recent = filters.mid(0, kRecentMax);
    rebuildRecentMenu();
}

FilterBar::~FilterBar() = default;

QString FilterBar::text() const
{
    return m_edit->text();
}

void FilterBar::setText(const QString& text)
{
    m_edit->setText(text);
    m_debounce.stop();
    apply();
}

QString FilterBar::errorText() const
{
    return m_error->isVisible() ? m_error->text() : QString();
}

void FilterBar::apply()
{
    const QString text = m_edit->text();
    const EventFilterParseResult result = EventFilter::parse(text);
    if (!result.ok()) {
        // Say why, point at the place, keep the last good filter on the table.
        m_error->setText(tr("Column %1: %2").arg(result.errorPosition + 1).arg(result.error));
        m_error->setVisible(true);
        m_edit->setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #c0392b; }"));
        m_edit->setToolTip(result.error);
        return;
    }
    m_error->clear();
    m_error->setVisible(false);
    m_edit->setStyleSheet(QString());
    m_edit->setToolTip(helpText()); // the error's tooltip goes with the error
    syncControls(*result.filter);
    if (*result.filter == m_applied)
        return;
    m_applied = *result.filter;
    Q_EMIT filterChanged(m_applied);
}

void FilterBar::syncControls(const EventFilter& filter)
{
    m_syncing = true;
    m_errorsOnly->setChecked(filter.hasErrors == std::optional<bool>(true));
    int userIndex = 0;
    for (int i = 1; i < m_testUser->count(); ++i) {
        if (m_testUser->itemData(i).toString() == filter.userToken)
            userIndex = i;
    }
    m_testUser->setCurrentIndex(userIndex);
    m_syncing = false;
}

void FilterBar::remember(const QString& text)
{
    if (text.isEmpty())
        return;
    m_recent.removeAll(text);
    m_recent.prepend(text);
    while (m_recent.size() > kRecentMax)
        m_recent.removeLast();
    rebuildRecentMenu();
    Q_EMIT recentFiltersChanged(m_recent);
}

void FilterBar::rebuildRecentMenu()
{
    m_recentMenu->clear();
    for (const QString& text : std::as_const(m_recent)) {
        QAction* action = m_recentMenu->addAction(text);
        connect(action, &QAction::triggered, this, [this, text] { setText(text); });
    }
    m_recentButton->setEnabled(!m_recent.isEmpty());
}

void FilterBar::setErrorsOnly(bool on)
{
    if (m_syncing)
        return;
    EventFilterParseResult result = EventFilter::parse(m_edit->text());
    EventFilter filter = result.ok() ? *result.filter : EventFilter{};
    if (on)
        filter.hasErrors = true;
    else
        filter.hasErrors.reset();
    setText(filter.toString());
    remember(filter.toString());
}

void FilterBar::selectTestUser(int index)
{
    if (m_syncing)
        return;
    EventFilterParseResult result = EventFilter::parse(m_edit->text());
    EventFilter filter = result.ok() ? *result.filter : EventFilter{};
    filter.userToken = index <= 0 ? QString() : m_testUser->itemData(index).toString();
    setText(filter.toString());
    remember(filter.toString());
}

void FilterBar::setTestUsers(const QList<DebuggerTestUser>& users)
{
    m_syncing = true;
    m_testUser->clear();
    m_testUser->addItem(tr("All users"));
    for (const DebuggerTestUser& user : users) {
        QPixmap swatch(12, 12);
        swatch.fill(user.colour.isValid() ? user.colour : QColor(Qt::gray));
        m_testUser->addItem(QIcon(swatch),
                            user.name + QStringLiteral(" (") + user.userToken + QLatin1Char(')'),
                            user.userToken);
    }
    m_syncing = false;
    syncControls(m_applied);
}
