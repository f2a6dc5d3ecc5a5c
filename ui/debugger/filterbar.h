#pragma once

#include "views/eventfilter.h"

#include <QStringList>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QToolButton;
struct DebuggerTestUser;

// The filter bar: the dashboard's `field=value` syntax with free text, a one-click "errors only", a filter
// per test user and the recent filters (kept by the main window in the data folder's window state). A text
// that does not parse says why and where, and the table keeps the last good filter.
class FilterBar final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FilterBar)

public:
    explicit FilterBar(QWidget* parent = nullptr);
    ~FilterBar() override;

    QString text() const;
    // Sets the text and applies it at once.
    void setText(const QString& text);
    void setTestUsers(const QList<DebuggerTestUser>& users);
    QStringList recentFilters() const { return m_recent; }
    void setRecentFilters(const QStringList& filters);
    // The error of the text as typed, empty when it parses.
    QString errorText() const;

protected:
    void changeEvent(QEvent* event) override;

Q_SIGNALS:
    void filterChanged(const EventFilter& filter);
    void recentFiltersChanged(const QStringList& filters);

private:
    // The syntax in a few lines: the filter box's tooltip.
    static QString helpText();
    void apply();
    void remember(const QString& text);
    void rebuildRecentMenu();
    void setErrorsOnly(bool on);
    void selectTestUser(int index);
    void syncControls(const EventFilter& filter);

    QLineEdit* m_edit = nullptr;
    QLabel* m_error = nullptr;
    QToolButton* m_errorsOnly = nullptr;
    QToolButton* m_recentButton = nullptr;
    QMenu* m_recentMenu = nullptr;
    QComboBox* m_testUser = nullptr;
    QTimer m_debounce;
    QStringList m_recent;
    EventFilter m_applied;
    bool m_syncing = false;
};
