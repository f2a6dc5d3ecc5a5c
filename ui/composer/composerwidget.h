#pragma once

#include "event/event.h"
#include "event/eventkind.h"
#include "event/validator.h"
#include "views/eventform.h"

#include <QColor>
#include <QHash>
#include <QList>
#include <QWidget>

#include <memory>

class AppSettings;
class IndexCatalog;
class QCheckBox;
class QComboBox;
class QCompleter;
class QDateTimeEdit;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QStringListModel;
class QTableWidget;
class QTabWidget;
class QVBoxLayout;
class TemplateStore;
class TestUserModel;

// The event composer: a form that shows only the chosen kind's fields, and a JSON tab with the exact body.
// The composed event is one value (m_event): form edits rebuild it from the form, JSON edits replace it and
// refill the form (unknown fields kept). Every change is judged by the shared Validator and each issue is
// shown under the field it concerns. What the form sends, and where an issue shows, is EventForm's
// (models/views/eventform.h); this class builds the widgets (composerlayout.cpp) and copies their text to and
// from an EventForm (composerwidget.cpp).
class ComposerWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ComposerWidget)

public:
    ComposerWidget(AppSettings* settings, TestUserModel* users, QWidget* parent = nullptr);
    ~ComposerWidget() override;

    void setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs);
    // What was wrong with the templates file when it was read (TemplateStore::loadProblem()), else empty.
    QString templatesProblem() const;

    EventKind kind() const { return m_kind; }
    void setKind(EventKind kind);
    // The event as composed; without a timestamp while "collected now" is on.
    const Event& event() const { return m_event; }
    // Replaces the event: the form and the JSON tab show it.
    void setEvent(const Event& event);
    // The event as it would leave now: stamped with the current time when "collected now".
    QList<Event> eventsToSend() const;
    const BatchVerdict& verdict() const { return m_verdict; }

    // The test user whose tokens the event carries; empty id = the global user.
    void setUser(const QString& userId);
    void generateQueryID();
    // Items without a per-item queryID get the event's queryID, or one generated queryID.
    void fillItemQueryIDs();
    // Emits sendRequested / queueRequested with eventsToSend() and remembers the event name.
    void send();
    void queue();
    // Sample content: a click after search on the bundled index, for first runs and screenshots.
    void loadExample();
    // Judges the event again (after the profile or the catalogs changed).
    void revalidate();

Q_SIGNALS:
    void sendRequested(const QList<Event>& events);
    void queueRequested(const QList<Event>& events);
    void verdictChanged(const BatchVerdict& verdict);

protected:
    void changeEvent(QEvent* event) override;

private:
    struct IssueColours
    {
        QColor error;
        QColor warning;
        QColor ok;
    };
    IssueColours issueColours() const;
    // Building (composerlayout.cpp): each part makes its widgets and wires them.
    void buildUi();
    void buildTemplatesBar(QVBoxLayout* outer);
    void buildFormTab();
    void buildIdentityRows(); // kind, name, index, test user, tokens, timestamp
    void buildQueryRow();
    void buildObjectsRow(); // objectIDs with their positions and objectData items, one table
    void buildFiltersRow();
    void buildValueRows(); // value, currency, agentID
    void buildJsonTab();
    void buildVerdictAndActions(QVBoxLayout* outer);
    // A form row: the field (`keyWidget` when the row holds several widgets), its label above it and one
    // line under it for the issues of `formField` (the test user row has no field path: nullopt).
    void addRow(const QString& label, QWidget* field, std::optional<FormField> formField,
                QWidget* keyWidget = nullptr);
    void applyKindVisibility();
    void onFormChanged();
    void onJsonEdited();
    // The form's widgets as values (EventForm builds the event from them).
    EventForm readForm() const;
    void fillForm(const Event& event);
    void refreshJson();
    void showIssues();
    void refreshUsers();
    void applyUserTokens();
    void setTokensReadOnly(bool readOnly);
    void resetOneEventUser();
    void addObjectRow(const QString& objectID);
    void refreshTitles();
    void updateObjectSearch(const QString& text);
    void updateComputedValue();
    void refreshEventNames();
    void refreshTemplates();
    const IndexCatalog* catalogFor(const QString& index) const;
    static QString newQueryID();

    AppSettings* m_settings;
    TestUserModel* m_users;
    std::unique_ptr<TemplateStore> m_templates;
    QList<std::shared_ptr<const IndexCatalog>> m_catalogs;

    EventKind m_kind = EventKind::ClickedObjectIDsAfterSearch;
    Event m_event;
    BatchVerdict m_verdict;
    bool m_updating = false;    // the form or the JSON is being filled by code, not by the user
    bool m_jsonEditing = false; // the JSON text is the user's: do not rewrite it under their cursor

    QTabWidget* m_tabs = nullptr;
    QFormLayout* m_form = nullptr;
    QComboBox* m_kindCombo = nullptr;
    QComboBox* m_eventNameEdit = nullptr;
    QLineEdit* m_indexEdit = nullptr;
    QComboBox* m_userCombo = nullptr;
    QLineEdit* m_userTokenEdit = nullptr;
    QLineEdit* m_authenticatedUserTokenEdit = nullptr;
    QCheckBox* m_timestampNowCheck = nullptr;
    QDateTimeEdit* m_timestampEdit = nullptr;
    QLineEdit* m_queryIdEdit = nullptr;
    QLineEdit* m_objectSearchEdit = nullptr;
    QCompleter* m_objectCompleter = nullptr;
    QStringListModel* m_objectMatches = nullptr;
    QTableWidget* m_objectsTable = nullptr;
    QPushButton* m_fillItemQueryIds = nullptr;
    QTableWidget* m_filtersTable = nullptr;
    QLineEdit* m_valueEdit = nullptr;
    QLabel* m_computedValueLabel = nullptr;
    QComboBox* m_currencyEdit = nullptr;
    QLineEdit* m_agentIdEdit = nullptr;
    QPlainTextEdit* m_jsonEdit = nullptr;
    QLabel* m_jsonIssue = nullptr;
    QLabel* m_verdictLabel = nullptr;
    QLabel* m_eventIssue = nullptr;
    QComboBox* m_templatesCombo = nullptr;

    // The issue line of each place of the form (the summary's too), and each row's field and label.
    struct Row
    {
        QWidget* field = nullptr;
        QLabel* label = nullptr;
    };
    QHash<FormField, QLabel*> m_issueLabels;
    QHash<FormField, Row> m_rows;
    QLabel* m_userTokenNote = nullptr;
    QWidget* m_formPage = nullptr; // why the token fields are read-only
};
