// How the composer is built: its rows, tabs and buttons, each part wired to the composer where it is made.
// The behaviour (the form's values, issues, users, objects) is in composerwidget.cpp.

#include "composerwidget.h"

#include "composertables.h"
#include "elidedlabel.h"
#include "event/eventcodec.h"
#include "templatestore.h"
#include "views/eventform.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QStringListModel>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

using namespace ComposerTables;

void ComposerWidget::addRow(const QString& label, QWidget* field, std::optional<FormField> formField,
                            QWidget* keyWidget)
{
    auto* row = new QWidget;
    auto* layout = new QVBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(field);
    // One line is always kept for the field's issue, so that issues coming and going never move the fields
    // below (a click would land in the wrong one). A longer text is elided there; its tooltip has it whole.
    auto* issue = new ElidedLabel;
    // Named after the field paths it carries the issues of ("queryIDIssue"); the test user row has none.
    issue->setObjectName((formField ? EventForm::pathRoot(*formField) : QStringLiteral("user")) +
                         QStringLiteral("Issue"));
    layout->addWidget(issue);
    // The label is named after the field's widget ("indexEdit" -> "indexEditLabel") for tests and
    // accessibility; a row made of several widgets names the one typed into (`keyWidget`).
    auto* text = new QLabel(label);
    QWidget* named = keyWidget ? keyWidget : field;
    text->setObjectName(named->objectName() + QStringLiteral("Label"));
    text->setBuddy(named);
    m_form->addRow(text, row);
    if (formField) {
        m_issueLabels.insert(*formField, issue);
        m_rows.insert(*formField, {row, text});
    }
}

void ComposerWidget::buildUi()
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    buildTemplatesBar(outer);

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("composerTabs"));
    outer->addWidget(m_tabs, 1);

    buildFormTab();
    buildJsonTab();
    buildVerdictAndActions(outer);
}

void ComposerWidget::buildTemplatesBar(QVBoxLayout* outer)
{
    auto* templatesBar = new QHBoxLayout;
    m_templatesCombo = new QComboBox;
    m_templatesCombo->setObjectName(QStringLiteral("templatesCombo"));
    m_templatesCombo->setEditable(true);
    m_templatesCombo->setInsertPolicy(QComboBox::NoInsert);
    m_templatesCombo->lineEdit()->setPlaceholderText(tr("pick a template, or type a name and Save"));
    m_templatesCombo->setToolTip(
        tr("Named templates: pick one to load it; type a name and Save to keep the event"));
    auto* saveTemplate = new QPushButton(tr("Save"));
    saveTemplate->setObjectName(QStringLiteral("saveTemplateButton"));
    auto* deleteTemplate = new QPushButton(tr("Delete"));
    deleteTemplate->setObjectName(QStringLiteral("deleteTemplateButton"));
    templatesBar->addWidget(new QLabel(tr("Template:")));
    templatesBar->addWidget(m_templatesCombo, 1);
    templatesBar->addWidget(saveTemplate);
    templatesBar->addWidget(deleteTemplate);
    outer->addLayout(templatesBar);
    connect(m_templatesCombo, &QComboBox::activated, this, [this](int index) {
        const QString name = m_templatesCombo->itemText(index);
        if (name.isEmpty())
            return;
        const DecodedBatch decoded = EventCodec::decodeEvent(m_templates->json(name));
        if (!decoded.events.isEmpty())
            setEvent(decoded.events.constFirst());
    });
    connect(saveTemplate, &QPushButton::clicked, this, [this] {
        const QString name = m_templatesCombo->currentText().trimmed();
        if (name.isEmpty()) {
            m_templatesCombo->setFocus();
            return;
        }
        // The event as composed: "collected now" stays unstamped, so the template stays reusable.
        m_templates->save(name, EventCodec::encodeEvent(m_event));
        refreshTemplates();
        m_templatesCombo->setCurrentText(name);
    });
    connect(deleteTemplate, &QPushButton::clicked, this, [this] {
        const QString name = m_templatesCombo->currentText().trimmed();
        if (m_templates->remove(name))
            refreshTemplates();
    });
}

void ComposerWidget::buildFormTab()
{
    auto* formPage = new QWidget;
    formPage->setObjectName(QStringLiteral("composerForm"));
    m_formPage = formPage;
    m_form = new QFormLayout(formPage);
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    // Labels above their fields: in a narrow dock the fields get the whole width instead of the form
    // scrolling sideways (WrapLongRows would decide per row, but its height-for-width squashes rows inside
    // a scroll area).
    m_form->setRowWrapPolicy(QFormLayout::WrapAllRows);

    m_kindCombo = new QComboBox;
    m_kindCombo->setObjectName(QStringLiteral("kindCombo"));
    for (const EventKindInfo& info : allEventKinds()) {
        m_kindCombo->addItem(info.name, static_cast<int>(info.kind));
        // What the kind sends, so that a newcomer picks the right one without the docs.
        QStringList required;
        for (const EventField field : info.required)
            required << EventForm::jsonName(field);
        QStringList optional;
        for (const EventField field : info.optional)
            optional << EventForm::jsonName(field);
        QString tip = QStringLiteral("eventType: ") + info.eventType;
        if (!info.eventSubtype.isEmpty())
            tip += QStringLiteral(", eventSubtype: ") + info.eventSubtype;
        tip += QStringLiteral("\nrequired: ") + required.join(QStringLiteral(", "));
        if (!optional.isEmpty())
            tip += QStringLiteral("\noptional: ") + optional.join(QStringLiteral(", "));
        m_kindCombo->setItemData(m_kindCombo->count() - 1, tip, Qt::ToolTipRole);
    }
    addRow(tr("Kind"), m_kindCombo, FormField::Kind);
    connect(m_kindCombo, &QComboBox::currentIndexChanged, this, [this] {
        if (m_updating)
            return;
        setKind(static_cast<EventKind>(m_kindCombo->currentData().toInt()));
    });

    buildIdentityRows();
    buildQueryRow();
    buildObjectsRow();
    buildFiltersRow();
    buildValueRows();

    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(formPage);
    m_tabs->addTab(scroll, tr("Form"));
}

void ComposerWidget::buildIdentityRows()
{
    m_eventNameEdit = new QComboBox;
    m_eventNameEdit->setObjectName(QStringLiteral("eventNameEdit"));
    m_eventNameEdit->setEditable(true);
    m_eventNameEdit->setInsertPolicy(QComboBox::NoInsert);
    addRow(tr("eventName"), m_eventNameEdit, FormField::EventName);

    m_indexEdit = new QLineEdit;
    m_indexEdit->setObjectName(QStringLiteral("indexEdit"));
    addRow(tr("index"), m_indexEdit, FormField::Index);

    m_userCombo = new QComboBox;
    m_userCombo->setObjectName(QStringLiteral("userCombo"));
    m_userCombo->setToolTip(tr("Whose tokens the event carries: the global test user, one test user for this "
                               "event only, or tokens typed by hand"));
    addRow(tr("Test user"), m_userCombo, std::nullopt);

    m_userTokenEdit = new QLineEdit;
    m_userTokenEdit->setObjectName(QStringLiteral("userTokenEdit"));
    auto* userTokenBox = new QWidget;
    auto* userTokenLayout = new QVBoxLayout(userTokenBox);
    userTokenLayout->setContentsMargins(0, 0, 0, 0);
    userTokenLayout->setSpacing(2);
    userTokenLayout->addWidget(m_userTokenEdit);
    m_userTokenNote = new QLabel(tr("Set by the test user chosen above; choose \u201cTyped tokens\u201d to "
                                    "type tokens by hand."));
    m_userTokenNote->setObjectName(QStringLiteral("userTokenReadOnlyNote"));
    m_userTokenNote->setWordWrap(true);
    m_userTokenNote->setEnabled(false); // drawn in the palette's disabled text colour: a note, not an issue
    userTokenLayout->addWidget(m_userTokenNote);
    addRow(tr("userToken"), userTokenBox, FormField::UserToken, m_userTokenEdit);

    m_authenticatedUserTokenEdit = new QLineEdit;
    m_authenticatedUserTokenEdit->setObjectName(QStringLiteral("authenticatedUserTokenEdit"));
    m_authenticatedUserTokenEdit->setPlaceholderText(tr("optional: the logged-in user's token"));
    addRow(tr("authenticatedUserToken"), m_authenticatedUserTokenEdit, FormField::AuthenticatedUserToken);

    auto* timestampBox = new QWidget;
    auto* timestampLayout = new QHBoxLayout(timestampBox);
    timestampLayout->setContentsMargins(0, 0, 0, 0);
    m_timestampNowCheck = new QCheckBox(tr("collected now"));
    m_timestampNowCheck->setObjectName(QStringLiteral("timestampNowCheck"));
    m_timestampNowCheck->setChecked(true);
    m_timestampNowCheck->setToolTip(tr("Stamp the event with the time it is queued or sent, as a tracker "
                                       "stamps events when they are collected"));
    m_timestampEdit = new QDateTimeEdit(QDateTime::currentDateTime());
    m_timestampEdit->setObjectName(QStringLiteral("timestampEdit"));
    m_timestampEdit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    m_timestampEdit->setCalendarPopup(true);
    m_timestampEdit->setEnabled(false);
    timestampLayout->addWidget(m_timestampNowCheck);
    timestampLayout->addWidget(m_timestampEdit, 1);
    addRow(tr("timestamp"), timestampBox, FormField::Timestamp, m_timestampNowCheck);

    connect(m_eventNameEdit, &QComboBox::currentTextChanged, this, &ComposerWidget::onFormChanged);
    connect(m_indexEdit, &QLineEdit::textChanged, this, [this] {
        refreshTitles();
        onFormChanged();
    });
    connect(m_userCombo, &QComboBox::currentIndexChanged, this, [this] {
        if (m_updating)
            return;
        applyUserTokens();
        onFormChanged();
    });
    for (QLineEdit* edit : {m_userTokenEdit, m_authenticatedUserTokenEdit})
        connect(edit, &QLineEdit::textChanged, this, &ComposerWidget::onFormChanged);
    connect(m_timestampNowCheck, &QCheckBox::toggled, this, [this](bool now) {
        m_timestampEdit->setEnabled(!now);
        if (!now && !m_updating)
            m_timestampEdit->setDateTime(QDateTime::currentDateTime());
        onFormChanged();
    });
    connect(m_timestampEdit, &QDateTimeEdit::dateTimeChanged, this, &ComposerWidget::onFormChanged);
}

void ComposerWidget::buildQueryRow()
{
    auto* queryBox = new QWidget;
    auto* queryLayout = new QHBoxLayout(queryBox);
    queryLayout->setContentsMargins(0, 0, 0, 0);
    m_queryIdEdit = new QLineEdit;
    m_queryIdEdit->setObjectName(QStringLiteral("queryIdEdit"));
    m_queryIdEdit->setPlaceholderText(tr("paste the queryID of a search with clickAnalytics"));
    auto* generate = new QPushButton(tr("Generate"));
    generate->setObjectName(QStringLiteral("generateQueryIdButton"));
    generate->setToolTip(tr("A random queryID (32 hex digits): accepted, but matches no real search"));
    queryLayout->addWidget(m_queryIdEdit, 1);
    queryLayout->addWidget(generate);
    addRow(tr("queryID"), queryBox, FormField::QueryID, m_queryIdEdit);
    connect(m_queryIdEdit, &QLineEdit::textChanged, this, &ComposerWidget::onFormChanged);
    connect(generate, &QPushButton::clicked, this, &ComposerWidget::generateQueryID);
}

void ComposerWidget::buildObjectsRow()
{
    // objectIDs with positions and objectData in one table: one row per object keeps their lengths equal.
    auto* objectsBox = new QWidget;
    auto* objectsLayout = new QVBoxLayout(objectsBox);
    objectsLayout->setContentsMargins(0, 0, 0, 0);
    auto* searchRow = new QHBoxLayout;
    m_objectSearchEdit = new QLineEdit;
    m_objectSearchEdit->setObjectName(QStringLiteral("objectSearchEdit"));
    m_objectSearchEdit->setPlaceholderText(
        tr("search the index catalog, or type an objectID and press Enter"));
    m_objectMatches = new QStringListModel(this);
    m_objectCompleter = new QCompleter(m_objectMatches, this);
    m_objectCompleter->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
    m_objectCompleter->setCaseSensitivity(Qt::CaseInsensitive);
    m_objectSearchEdit->setCompleter(m_objectCompleter);
    auto* addObject = new QPushButton(tr("Add"));
    addObject->setObjectName(QStringLiteral("addObjectButton"));
    auto* removeObject = new QPushButton(tr("Remove"));
    removeObject->setObjectName(QStringLiteral("removeObjectButton"));
    searchRow->addWidget(m_objectSearchEdit, 1);
    searchRow->addWidget(addObject);
    searchRow->addWidget(removeObject);
    m_fillItemQueryIds = new QPushButton(tr("Fill queryIDs"));
    m_fillItemQueryIds->setObjectName(QStringLiteral("fillItemQueryIdsButton"));
    m_fillItemQueryIds->setToolTip(
        tr("Give items without a queryID one generated queryID (as if they came from "
           "one search); paste real ones to attribute each item to its search"));
    searchRow->addWidget(m_fillItemQueryIds);
    objectsLayout->addLayout(searchRow);
    m_objectsTable = new QTableWidget(0, kObjectColumnCount);
    m_objectsTable->setObjectName(QStringLiteral("objectsTable"));
    m_objectsTable->setHorizontalHeaderLabels({tr("objectID"), tr("title"), tr("position"), tr("price"),
                                               tr("quantity"), tr("discount"), tr("queryID")});
    m_objectsTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_objectsTable->horizontalHeader()->setStretchLastSection(true);
    m_objectsTable->verticalHeader()->setVisible(false);
    m_objectsTable->setMinimumHeight(110);
    m_objectsTable->setMaximumHeight(240); // the form stays readable; more rows scroll
    objectsLayout->addWidget(m_objectsTable);
    addRow(tr("objectIDs"), objectsBox, FormField::ObjectIDs, m_objectsTable);
    // Issues about positions and objectData items show under the same table, each in its own label.
    for (const FormField field : {FormField::Positions, FormField::ObjectData}) {
        auto* issue = new ElidedLabel; // a line kept, as the fields' (addRow)
        issue->setObjectName(EventForm::pathRoot(field) + QStringLiteral("Issue"));
        objectsLayout->addWidget(issue);
        m_issueLabels.insert(field, issue);
    }

    connect(m_objectsTable, &QTableWidget::cellChanged, this, [this](int, int column) {
        if (m_updating)
            return;
        if (column == ObjectIdColumn)
            refreshTitles();
        updateComputedValue();
        onFormChanged();
    });
    connect(m_objectSearchEdit, &QLineEdit::textEdited, this, &ComposerWidget::updateObjectSearch);
    connect(m_objectCompleter, qOverload<const QString&>(&QCompleter::activated), this,
            [this](const QString& text) {
                addObjectRow(text.section(QStringLiteral(" \u2014 "), 0, 0));
                // Cleared after the completer has written its text into the line edit.
                QMetaObject::invokeMethod(m_objectSearchEdit, &QLineEdit::clear, Qt::QueuedConnection);
            });
    connect(m_objectSearchEdit, &QLineEdit::returnPressed, this, [this] {
        if (m_objectCompleter->popup()->isVisible())
            return; // the completer's activation adds the row
        addObjectRow(m_objectSearchEdit->text().section(QStringLiteral(" \u2014 "), 0, 0));
        m_objectSearchEdit->clear();
    });
    connect(m_fillItemQueryIds, &QPushButton::clicked, this, &ComposerWidget::fillItemQueryIDs);
    connect(addObject, &QPushButton::clicked, this, [this] {
        addObjectRow(m_objectSearchEdit->text().section(QStringLiteral(" \u2014 "), 0, 0));
        m_objectSearchEdit->clear();
    });
    connect(removeObject, &QPushButton::clicked, this, [this] {
        const int row =
            m_objectsTable->currentRow() >= 0 ? m_objectsTable->currentRow() : m_objectsTable->rowCount() - 1;
        if (row < 0)
            return;
        m_objectsTable->removeRow(row);
        updateComputedValue();
        onFormChanged();
    });
}

void ComposerWidget::buildFiltersRow()
{
    auto* filtersBox = new QWidget;
    auto* filtersLayout = new QVBoxLayout(filtersBox);
    filtersLayout->setContentsMargins(0, 0, 0, 0);
    m_filtersTable = new QTableWidget(0, FilterColumnCount);
    m_filtersTable->setObjectName(QStringLiteral("filtersTable"));
    m_filtersTable->setHorizontalHeaderLabels({tr("attribute"), tr("value"), tr("sent as (URL-encoded)")});
    m_filtersTable->horizontalHeader()->setStretchLastSection(true);
    m_filtersTable->verticalHeader()->setVisible(false);
    m_filtersTable->setMinimumHeight(90);
    auto* filterButtons = new QHBoxLayout;
    auto* addFilter = new QPushButton(tr("Add filter"));
    addFilter->setObjectName(QStringLiteral("addFilterButton"));
    auto* removeFilter = new QPushButton(tr("Remove"));
    removeFilter->setObjectName(QStringLiteral("removeFilterButton"));
    filterButtons->addWidget(addFilter);
    filterButtons->addWidget(removeFilter);
    filterButtons->addStretch(1);
    filtersLayout->addWidget(m_filtersTable);
    filtersLayout->addLayout(filterButtons);
    addRow(tr("filters"), filtersBox, FormField::Filters, m_filtersTable);
    connect(m_filtersTable, &QTableWidget::cellChanged, this, [this](int row, int column) {
        if (m_updating || column == EncodedColumn)
            return;
        m_updating = true;
        if (QTableWidgetItem* first = m_filtersTable->item(row, AttributeColumn))
            first->setData(kOriginalFilterRole, QVariant()); // edited: sent as encoded from now on
        setCell(m_filtersTable, row, EncodedColumn,
                FormFilterRow::encode(cellText(m_filtersTable, row, AttributeColumn),
                                      cellText(m_filtersTable, row, ValueColumn)),
                false);
        m_updating = false;
        onFormChanged();
    });
    connect(addFilter, &QPushButton::clicked, this, [this] {
        const int row = m_filtersTable->rowCount();
        m_updating = true;
        m_filtersTable->insertRow(row);
        setCell(m_filtersTable, row, AttributeColumn, QStringLiteral("genres"));
        setCell(m_filtersTable, row, ValueColumn, QStringLiteral("Drama"));
        setCell(m_filtersTable, row, EncodedColumn,
                FormFilterRow::encode(QStringLiteral("genres"), QStringLiteral("Drama")), false);
        m_updating = false;
        onFormChanged();
    });
    connect(removeFilter, &QPushButton::clicked, this, [this] {
        const int row =
            m_filtersTable->currentRow() >= 0 ? m_filtersTable->currentRow() : m_filtersTable->rowCount() - 1;
        if (row < 0)
            return;
        m_filtersTable->removeRow(row);
        onFormChanged();
    });
}

void ComposerWidget::buildValueRows()
{
    auto* valueBox = new QWidget;
    auto* valueLayout = new QHBoxLayout(valueBox);
    valueLayout->setContentsMargins(0, 0, 0, 0);
    m_valueEdit = new QLineEdit;
    m_valueEdit->setObjectName(QStringLiteral("valueEdit"));
    m_computedValueLabel = new QLabel;
    m_computedValueLabel->setObjectName(QStringLiteral("computedValueLabel"));
    auto* useComputed = new QPushButton(tr("Use computed"));
    useComputed->setObjectName(QStringLiteral("useComputedValueButton"));
    valueLayout->addWidget(m_valueEdit, 1);
    valueLayout->addWidget(m_computedValueLabel);
    valueLayout->addWidget(useComputed);
    addRow(tr("value"), valueBox, FormField::Value, m_valueEdit);

    m_currencyEdit = new QComboBox;
    m_currencyEdit->setObjectName(QStringLiteral("currencyEdit"));
    m_currencyEdit->setEditable(true);
    m_currencyEdit->addItems({QString(), QStringLiteral("USD"), QStringLiteral("EUR"), QStringLiteral("GBP"),
                              QStringLiteral("JPY"), QStringLiteral("CAD"), QStringLiteral("AUD"),
                              QStringLiteral("CHF")});
    addRow(tr("currency"), m_currencyEdit, FormField::Currency);

    m_agentIdEdit = new QLineEdit;
    m_agentIdEdit->setObjectName(QStringLiteral("agentIdEdit"));
    addRow(tr("agentID"), m_agentIdEdit, FormField::AgentID);

    for (QLineEdit* edit : {m_valueEdit, m_agentIdEdit})
        connect(edit, &QLineEdit::textChanged, this, &ComposerWidget::onFormChanged);
    connect(m_currencyEdit, &QComboBox::currentTextChanged, this, &ComposerWidget::onFormChanged);
    connect(useComputed, &QPushButton::clicked, this, [this] {
        if (const auto value = readForm().computedValue())
            m_valueEdit->setText(QString::number(*value, 'g', 12)); // no rounding for the validator to flag
    });
}

void ComposerWidget::buildJsonTab()
{
    auto* jsonPage = new QWidget;
    auto* jsonLayout = new QVBoxLayout(jsonPage);
    m_jsonEdit = new QPlainTextEdit;
    m_jsonEdit->setObjectName(QStringLiteral("jsonEdit"));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_jsonEdit->setFont(mono);
    m_jsonEdit->setToolTip(
        tr("The event exactly as sent. Edit it: the form follows, unknown fields are kept."));
    m_jsonIssue = new QLabel;
    m_jsonIssue->setObjectName(QStringLiteral("jsonIssue"));
    m_jsonIssue->setWordWrap(true);
    m_jsonIssue->setVisible(false);
    jsonLayout->addWidget(m_jsonEdit, 1);
    jsonLayout->addWidget(m_jsonIssue);
    m_tabs->addTab(jsonPage, tr("JSON"));
    connect(m_jsonEdit, &QPlainTextEdit::textChanged, this, &ComposerWidget::onJsonEdited);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        // Leaving the JSON tab hands the text back to the event: show its canonical form again.
        m_jsonEditing = false;
        refreshJson();
    });
}

void ComposerWidget::buildVerdictAndActions(QVBoxLayout* outer)
{
    // Issues of fields the form does not show, the verdict, and the buttons that send.
    m_eventIssue = new QLabel;
    m_eventIssue->setObjectName(QStringLiteral("eventIssue"));
    m_eventIssue->setWordWrap(true);
    m_eventIssue->setVisible(false);
    m_issueLabels.insert(FormField::Summary, m_eventIssue);
    outer->addWidget(m_eventIssue);
    m_verdictLabel = new QLabel;
    m_verdictLabel->setObjectName(QStringLiteral("verdictLabel"));
    m_verdictLabel->setWordWrap(true);
    outer->addWidget(m_verdictLabel);
    auto* actions = new QHBoxLayout;
    auto* queueButton = new QPushButton(tr("Queue"));
    queueButton->setObjectName(QStringLiteral("queueButton"));
    queueButton->setToolTip(tr("Add the event to the outbox, stamped now (Ctrl+Shift+Return)"));
    auto* sendButton = new QPushButton(tr("Send"));
    sendButton->setObjectName(QStringLiteral("sendButton"));
    sendButton->setToolTip(tr("Send the event now (Ctrl+Return)"));
    sendButton->setDefault(true);
    actions->addStretch(1);
    actions->addWidget(queueButton);
    actions->addWidget(sendButton);
    outer->addLayout(actions);
    connect(queueButton, &QPushButton::clicked, this, &ComposerWidget::queue);
    connect(sendButton, &QPushButton::clicked, this, &ComposerWidget::send);
}
