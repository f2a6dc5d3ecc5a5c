#include "composerwidget.h"

#include "catalog/indexcatalog.h"
#include "elidedlabel.h"
#include "event/compatibilityprofile.h"
#include "event/eventcodec.h"
#include "settings/appsettings.h"
#include "templatestore.h"
#include "users/testusermodel.h"
#include "views/eventform.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QEvent>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QScrollArea>
#include <QStringListModel>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace {

constexpr int column(ObjectColumn column)
{
    return static_cast<int>(column);
}
constexpr int ObjectIdColumn = column(ObjectColumn::ObjectID);
constexpr int TitleColumn = column(ObjectColumn::Title);
constexpr int PositionColumn = column(ObjectColumn::Position);
constexpr int PriceColumn = column(ObjectColumn::Price);
constexpr int QuantityColumn = column(ObjectColumn::Quantity);
constexpr int DiscountColumn = column(ObjectColumn::Discount);
constexpr int ItemQueryIdColumn = column(ObjectColumn::ItemQueryID);

enum FilterColumn
{
    AttributeColumn,
    ValueColumn,
    EncodedColumn,
    FilterColumnCount,
};

// Set on a filter row read from an event whose text is not the canonical encoding of its parts
// (FormFilterRow::original): sent as is until the user edits the row.
constexpr int kOriginalFilterRole = Qt::UserRole + 1;

const QString kCustomUser = QStringLiteral("custom");
const QString kGlobalUser = QString();

QString cellText(const QTableWidget* table, int row, int column)
{
    const QTableWidgetItem* item = table->item(row, column);
    return item ? item->text().trimmed() : QString();
}

void setCell(QTableWidget* table, int row, int column, const QString& text, bool editable = true)
{
    auto* item = new QTableWidgetItem(text);
    if (!editable)
        item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    table->setItem(row, column, item);
}

} // namespace

ComposerWidget::ComposerWidget(AppSettings* settings, TestUserModel* users, QWidget* parent)
    : QWidget(parent)
    , m_settings(settings)
    , m_users(users)
    , m_templates(std::make_unique<TemplateStore>(QFileInfo(settings->filePath()).absolutePath() +
                                                  QStringLiteral("/templates.json")))
{
    setObjectName(QStringLiteral("composer"));
    buildUi();
    setFocusProxy(m_eventNameEdit); // the first thing to type is the event's name
    refreshUsers();
    refreshEventNames();
    refreshTemplates();
    setKind(m_kind);

    connect(m_users, &QAbstractItemModel::dataChanged, this, [this] { refreshUsers(); });
    connect(m_users, &QAbstractItemModel::rowsInserted, this, [this] { refreshUsers(); });
    connect(m_users, &QAbstractItemModel::rowsRemoved, this, [this] { refreshUsers(); });
    connect(m_users, &QAbstractItemModel::modelReset, this, [this] { refreshUsers(); });
    connect(m_users, &TestUserModel::globalUserChanged, this, [this] { refreshUsers(); });
}

ComposerWidget::~ComposerWidget() = default;

QString ComposerWidget::templatesProblem() const
{
    return m_templates->loadProblem();
}

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

    // Templates bar.
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

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("composerTabs"));
    outer->addWidget(m_tabs, 1);

    // --- Form tab.
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

    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(formPage);
    m_tabs->addTab(scroll, tr("Form"));

    // --- JSON tab.
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

    // --- Verdict and actions.
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

    // --- Wiring: every form edit rebuilds the event.
    connect(m_kindCombo, &QComboBox::currentIndexChanged, this, [this] {
        if (m_updating)
            return;
        setKind(static_cast<EventKind>(m_kindCombo->currentData().toInt()));
    });
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
    for (QLineEdit* edit :
         {m_userTokenEdit, m_authenticatedUserTokenEdit, m_queryIdEdit, m_valueEdit, m_agentIdEdit})
        connect(edit, &QLineEdit::textChanged, this, &ComposerWidget::onFormChanged);
    connect(m_currencyEdit, &QComboBox::currentTextChanged, this, &ComposerWidget::onFormChanged);
    connect(m_timestampNowCheck, &QCheckBox::toggled, this, [this](bool now) {
        m_timestampEdit->setEnabled(!now);
        if (!now && !m_updating)
            m_timestampEdit->setDateTime(QDateTime::currentDateTime());
        onFormChanged();
    });
    connect(m_timestampEdit, &QDateTimeEdit::dateTimeChanged, this, &ComposerWidget::onFormChanged);
    connect(generate, &QPushButton::clicked, this, &ComposerWidget::generateQueryID);
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
    connect(useComputed, &QPushButton::clicked, this, [this] {
        if (const auto value = readForm().computedValue())
            m_valueEdit->setText(QString::number(*value, 'g', 12)); // no rounding for the validator to flag
    });
    connect(m_jsonEdit, &QPlainTextEdit::textChanged, this, &ComposerWidget::onJsonEdited);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        // Leaving the JSON tab hands the text back to the event: show its canonical form again.
        m_jsonEditing = false;
        refreshJson();
    });
    connect(queueButton, &QPushButton::clicked, this, &ComposerWidget::queue);
    connect(sendButton, &QPushButton::clicked, this, &ComposerWidget::send);

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

void ComposerWidget::setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs)
{
    m_catalogs = std::move(catalogs);
    QStringList names;
    for (const auto& catalog : std::as_const(m_catalogs))
        names << catalog->indexName();
    auto* completer = new QCompleter(names, m_indexEdit);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_indexEdit->setCompleter(completer);
    refreshTitles();
    revalidate();
}

void ComposerWidget::setKind(EventKind kind)
{
    m_kind = kind;
    m_updating = true;
    m_kindCombo->setCurrentIndex(m_kindCombo->findData(static_cast<int>(kind)));
    m_updating = false;
    applyKindVisibility();
    onFormChanged();
}

void ComposerWidget::applyKindVisibility()
{
    // The row's label and field are shown and hidden themselves: QFormLayout::setRowVisible() (Qt 6.4) was
    // seen to lose rows for good after some sequences of kind switches.
    for (auto it = m_rows.cbegin(); it != m_rows.cend(); ++it) {
        const bool visible = EventForm::shows(m_kind, it.key());
        it.value().field->setVisible(visible);
        it.value().label->setVisible(visible);
    }
    auto shown = [this](EventField field) { return EventForm::shows(m_kind, field); };
    m_objectsTable->setColumnHidden(PositionColumn, !shown(EventField::Positions));
    const bool objectData = shown(EventField::ObjectData);
    for (const int column : {PriceColumn, QuantityColumn, DiscountColumn})
        m_objectsTable->setColumnHidden(column, !objectData);
    m_objectsTable->setColumnHidden(ItemQueryIdColumn, !shown(EventField::ObjectDataQueryID));
    m_fillItemQueryIds->setVisible(shown(EventField::ObjectDataQueryID));
    m_computedValueLabel->setVisible(objectData);
}

void ComposerWidget::onFormChanged()
{
    if (m_updating)
        return;
    m_event = readForm().toEvent();
    refreshJson();
    revalidate();
}

EventForm ComposerWidget::readForm() const
{
    EventForm form;
    form.kind = m_kind;
    form.keepUnknownFieldsOf(m_event); // unknown fields survive form edits
    form.eventName = m_eventNameEdit->currentText();
    form.index = m_indexEdit->text();
    form.userToken = m_userTokenEdit->text();
    form.authenticatedUserToken = m_authenticatedUserTokenEdit->text();
    if (!m_timestampNowCheck->isChecked())
        form.timestamp = m_timestampEdit->dateTime().toMSecsSinceEpoch();
    form.queryID = m_queryIdEdit->text();
    for (int row = 0; row < m_objectsTable->rowCount(); ++row) {
        auto cell = [&](int column) { return cellText(m_objectsTable, row, column); };
        form.objects << FormObjectRow{cell(ObjectIdColumn), cell(PositionColumn), cell(PriceColumn),
                                      cell(QuantityColumn), cell(DiscountColumn), cell(ItemQueryIdColumn)};
    }
    for (int row = 0; row < m_filtersTable->rowCount(); ++row) {
        FormFilterRow filter{cellText(m_filtersTable, row, AttributeColumn),
                             cellText(m_filtersTable, row, ValueColumn), std::nullopt};
        const QTableWidgetItem* first = m_filtersTable->item(row, AttributeColumn);
        if (const QVariant original = first ? first->data(kOriginalFilterRole) : QVariant();
            original.isValid())
            filter.original = original.toString();
        form.filters << filter;
    }
    form.value = m_valueEdit->text();
    form.currency = m_currencyEdit->currentText();
    form.agentID = m_agentIdEdit->text();
    return form;
}

void ComposerWidget::fillForm(const Event& event)
{
    const EventForm form = EventForm::fromEvent(event, m_kind);
    m_updating = true;
    m_kind = form.kind;
    m_kindCombo->setCurrentIndex(m_kindCombo->findData(static_cast<int>(m_kind)));
    m_eventNameEdit->setCurrentText(form.eventName);
    m_indexEdit->setText(form.index);
    m_userTokenEdit->setText(form.userToken);
    m_authenticatedUserTokenEdit->setText(form.authenticatedUserToken);
    // The tokens name a test user, or they were typed by hand.
    int userIndex = m_userCombo->findData(kCustomUser);
    for (int i = 0; i < m_userCombo->count(); ++i) {
        const QString id = m_userCombo->itemData(i).toString();
        if (id == kCustomUser)
            continue;
        const auto user = id.isEmpty() ? m_users->globalUser() : m_users->user(id);
        if (user && user->userToken == form.userToken &&
            user->authenticatedUserToken == form.authenticatedUserToken) {
            userIndex = i;
            break;
        }
    }
    m_userCombo->setCurrentIndex(userIndex);
    setTokensReadOnly(m_userCombo->currentData().toString() != kCustomUser);

    m_timestampNowCheck->setChecked(!form.timestamp.has_value());
    m_timestampEdit->setEnabled(form.timestamp.has_value());
    if (form.timestamp)
        m_timestampEdit->setDateTime(QDateTime::fromMSecsSinceEpoch(*form.timestamp));
    m_queryIdEdit->setText(form.queryID);

    m_objectsTable->setRowCount(0);
    m_objectsTable->setRowCount(static_cast<int>(form.objects.size()));
    for (int row = 0; row < form.objects.size(); ++row) {
        const FormObjectRow& line = form.objects.at(row);
        setCell(m_objectsTable, row, ObjectIdColumn, line.objectID);
        setCell(m_objectsTable, row, TitleColumn, QString(), false);
        setCell(m_objectsTable, row, PositionColumn, line.position);
        setCell(m_objectsTable, row, PriceColumn, line.price);
        setCell(m_objectsTable, row, QuantityColumn, line.quantity);
        setCell(m_objectsTable, row, DiscountColumn, line.discount);
        setCell(m_objectsTable, row, ItemQueryIdColumn, line.queryID);
    }
    m_filtersTable->setRowCount(0);
    m_filtersTable->setRowCount(static_cast<int>(form.filters.size()));
    for (int row = 0; row < form.filters.size(); ++row) {
        const FormFilterRow& filter = form.filters.at(row);
        setCell(m_filtersTable, row, AttributeColumn, filter.attribute);
        setCell(m_filtersTable, row, ValueColumn, filter.value);
        setCell(m_filtersTable, row, EncodedColumn, filter.encoded(), false);
        if (filter.original)
            m_filtersTable->item(row, AttributeColumn)->setData(kOriginalFilterRole, *filter.original);
    }

    m_valueEdit->setText(form.value);
    m_currencyEdit->setCurrentText(form.currency);
    m_agentIdEdit->setText(form.agentID);
    m_updating = false;
    applyKindVisibility();
    refreshTitles();
    updateComputedValue();
}

void ComposerWidget::setEvent(const Event& event)
{
    m_event = event;
    m_jsonEditing = false;
    fillForm(event);
    refreshJson();
    revalidate();
}

void ComposerWidget::onJsonEdited()
{
    if (m_updating)
        return;
    m_jsonEditing = true;
    const QByteArray text = m_jsonEdit->toPlainText().toUtf8();
    const DecodedBatch decoded = EventCodec::decodeEvent(text);
    if (decoded.payloadError || decoded.events.isEmpty()) {
        m_jsonIssue->setText(QStringLiteral("\u2716 ") +
                             (decoded.payloadError ? decoded.payloadError->message
                                                   : tr("The JSON tab must hold one event object")));
        m_jsonIssue->setVisible(true);
        return;
    }
    QStringList typeErrors;
    for (const Issue& issue : decoded.typeErrors)
        typeErrors << EventForm::issueLine(issue);
    m_jsonIssue->setText(typeErrors.join(QLatin1Char('\n')));
    m_jsonIssue->setVisible(!typeErrors.isEmpty());
    m_event = decoded.events.constFirst();
    fillForm(m_event);
    revalidate();
}

void ComposerWidget::refreshJson()
{
    if (m_jsonEditing)
        return;
    m_updating = true;
    m_jsonEdit->setPlainText(QString::fromUtf8(EventCodec::encodeEvent(m_event)));
    m_updating = false;
    m_jsonIssue->setVisible(false);
}

QList<Event> ComposerWidget::eventsToSend() const
{
    Event event = m_event;
    if (!event.timestamp)
        event.timestamp = QDateTime::currentMSecsSinceEpoch();
    return {event};
}

void ComposerWidget::revalidate()
{
    ValidationContext context;
    if (const CompatibilityProfile* profile =
            CompatibilityProfile::byName(m_settings->compatibilityProfile.value()))
        context.profile = profile;
    context.nowMs = QDateTime::currentMSecsSinceEpoch();
    for (const auto& catalog : std::as_const(m_catalogs))
        context.catalogs << catalog.get();
    m_verdict = Validator::validateEvents(eventsToSend(), context);
    showIssues();
    Q_EMIT verdictChanged(m_verdict);
}

void ComposerWidget::showIssues()
{
    const IssuePlacement placement = EventForm::placeIssues(m_verdict.allIssues(), m_kind);
    const IssueColours colours = issueColours();
    auto cellMark = [&](bool error) {
        QColor colour = error ? colours.error : colours.warning;
        colour.setAlpha(70);
        return QBrush(colour);
    };
    for (auto it = m_issueLabels.cbegin(); it != m_issueLabels.cend(); ++it) {
        QLabel* label = it.value();
        const QStringList text = placement.lines.value(it.key());
        if (it.key() == FormField::Summary) {
            label->setText(text.join(QLatin1Char('\n')));
            label->setVisible(!text.isEmpty());
        } else {
            // The field's line stays (empty when there is no issue): see addRow().
            label->setText(text.join(QStringLiteral(" \u00b7 ")));
            label->setToolTip(text.join(QLatin1Char('\n')));
        }
        const bool error = placement.worst.value(it.key(), Severity::Info) == Severity::Error;
        label->setProperty("issueSeverity", text.isEmpty() ? QString()
                                            : error        ? QStringLiteral("error")
                                                           : QStringLiteral("warning"));
        label->setStyleSheet(
            text.isEmpty()
                ? QString()
                : QStringLiteral("color: %1;").arg((error ? colours.error : colours.warning).name()));
    }
    m_updating = true;
    for (int row = 0; row < m_objectsTable->rowCount(); ++row) {
        for (int column = 0; column < kObjectColumnCount; ++column) {
            QTableWidgetItem* item = m_objectsTable->item(row, column);
            if (!item)
                continue;
            const QString tip = placement.objectCells.value({row, column});
            item->setToolTip(tip);
            item->setBackground(tip.isEmpty() ? QBrush()
                                              : cellMark(placement.objectCellErrors.contains({row, column})));
        }
    }
    for (int row = 0; row < m_filtersTable->rowCount(); ++row) {
        const QString tip = placement.filterRows.value(row);
        for (int column = 0; column < FilterColumnCount; ++column) {
            if (QTableWidgetItem* item = m_filtersTable->item(row, column)) {
                item->setToolTip(tip);
                item->setBackground(tip.isEmpty() ? QBrush()
                                                  : cellMark(placement.filterRowErrors.contains(row)));
            }
        }
    }
    m_updating = false;

    const int errors = m_verdict.errorCount();
    const int warnings = m_verdict.warningCount();
    QString summary =
        m_verdict.accepted()
            ? tr("Algolia would accept this event (%1 %2)").arg(m_verdict.httpStatus).arg(m_verdict.message)
            : tr("Algolia would reject this event: %1 %2").arg(m_verdict.httpStatus).arg(m_verdict.message);
    if (errors > 0 || warnings > 0)
        summary += tr(" \u00b7 %n error(s)", nullptr, errors) + tr(", %n warning(s)", nullptr, warnings);
    m_verdictLabel->setText(summary);
    m_verdictLabel->setProperty("accepted", m_verdict.accepted());
    m_verdictLabel->setStyleSheet(QStringLiteral("color: %1; font-weight: bold;")
                                      .arg((m_verdict.accepted() ? colours.ok : colours.error).name()));
}

ComposerWidget::IssueColours ComposerWidget::issueColours() const
{
    // The app follows the system palette; the verdict colours follow it too: darker tones on a light
    // background, lighter ones on a dark background, so that both read at the same contrast.
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    if (dark)
        return {QColor(0xff, 0x6b, 0x6b), QColor(0xff, 0xb8, 0x4d), QColor(0x5c, 0xd6, 0x8a)};
    return {QColor(0xc0, 0x26, 0x22), QColor(0xa8, 0x62, 0x00), QColor(0x23, 0x7a, 0x38)};
}

void ComposerWidget::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        showIssues();
}

void ComposerWidget::refreshUsers()
{
    const QString current = m_userCombo->currentData().toString();
    const bool wasEmpty = m_userCombo->count() == 0;
    m_updating = true;
    m_userCombo->clear();
    const auto global = m_users->globalUser();
    m_userCombo->addItem(global ? tr("Global user: %1").arg(global->label) : tr("Global user (none set)"),
                         kGlobalUser);
    for (const TestUser& user : m_users->users())
        m_userCombo->addItem(tr("This event only: %1").arg(user.label), user.id);
    m_userCombo->addItem(tr("Typed tokens"), kCustomUser);
    int index = wasEmpty ? 0 : m_userCombo->findData(current);
    if (index < 0)
        index = 0;
    m_userCombo->setCurrentIndex(index);
    m_updating = false;
    applyUserTokens();
    onFormChanged();
}

void ComposerWidget::setUser(const QString& userId)
{
    const int index = m_userCombo->findData(userId);
    if (index >= 0)
        m_userCombo->setCurrentIndex(index);
}

void ComposerWidget::applyUserTokens()
{
    const QString id = m_userCombo->currentData().toString();
    const bool custom = id == kCustomUser;
    setTokensReadOnly(!custom);
    if (custom)
        return;
    const auto user = id.isEmpty() ? m_users->globalUser() : m_users->user(id);
    const bool wasUpdating = m_updating;
    m_updating = true;
    m_userTokenEdit->setText(user ? user->userToken : QString());
    m_authenticatedUserTokenEdit->setText(user ? user->authenticatedUserToken : QString());
    m_updating = wasUpdating;
}

void ComposerWidget::setTokensReadOnly(bool readOnly)
{
    m_userTokenEdit->setReadOnly(readOnly);
    m_authenticatedUserTokenEdit->setReadOnly(readOnly);
    m_userTokenNote->setVisible(readOnly);
    const QString tip = readOnly ? m_userTokenNote->text() : QString();
    m_userTokenEdit->setToolTip(tip);
    m_authenticatedUserTokenEdit->setToolTip(tip);
}

QString ComposerWidget::newQueryID()
{
    // 32 lowercase hex digits, the shape of a real queryID (Algolia's pattern rejects uppercase).
    QString id;
    QRandomGenerator* random = QRandomGenerator::global();
    for (int i = 0; i < 4; ++i)
        id += QStringLiteral("%1").arg(random->generate(), 8, 16, QLatin1Char('0'));
    return id;
}

void ComposerWidget::generateQueryID()
{
    m_queryIdEdit->setText(newQueryID());
}

void ComposerWidget::fillItemQueryIDs()
{
    const QString id = m_queryIdEdit->text().trimmed().isEmpty() || !m_queryIdEdit->isVisibleTo(this)
                           ? newQueryID()
                           : m_queryIdEdit->text().trimmed();
    m_updating = true;
    for (int row = 0; row < m_objectsTable->rowCount(); ++row) {
        if (cellText(m_objectsTable, row, ItemQueryIdColumn).isEmpty())
            setCell(m_objectsTable, row, ItemQueryIdColumn, id);
    }
    m_updating = false;
    onFormChanged();
}

void ComposerWidget::addObjectRow(const QString& objectID)
{
    const QString trimmed = objectID.trimmed();
    if (trimmed.isEmpty())
        return;
    const int row = m_objectsTable->rowCount();
    m_updating = true;
    m_objectsTable->insertRow(row);
    setCell(m_objectsTable, row, ObjectIdColumn, trimmed);
    setCell(m_objectsTable, row, TitleColumn, QString(), false);
    setCell(m_objectsTable, row, PositionColumn, QString::number(row + 1));
    QString price;
    if (const IndexCatalog* catalog = catalogFor(m_indexEdit->text().trimmed())) {
        if (const IndexCatalog::Record* record = catalog->record(trimmed)) {
            const QJsonValue value = record->attributes.value(QLatin1String("price"));
            if (value.isDouble())
                price = QString::number(value.toDouble());
        }
    }
    setCell(m_objectsTable, row, PriceColumn, price);
    setCell(m_objectsTable, row, QuantityColumn, price.isEmpty() ? QString() : QStringLiteral("1"));
    setCell(m_objectsTable, row, DiscountColumn, QString());
    setCell(m_objectsTable, row, ItemQueryIdColumn, QString());
    m_updating = false;
    refreshTitles();
    updateComputedValue();
    onFormChanged();
}

const IndexCatalog* ComposerWidget::catalogFor(const QString& index) const
{
    for (const auto& catalog : m_catalogs) {
        if (catalog->indexName() == index)
            return catalog.get();
    }
    return nullptr;
}

void ComposerWidget::refreshTitles()
{
    const IndexCatalog* catalog = catalogFor(m_indexEdit->text().trimmed());
    const bool wasUpdating = m_updating;
    m_updating = true;
    for (int row = 0; row < m_objectsTable->rowCount(); ++row) {
        const QString objectID = cellText(m_objectsTable, row, ObjectIdColumn);
        const IndexCatalog::Record* record = catalog ? catalog->record(objectID) : nullptr;
        setCell(m_objectsTable, row, TitleColumn,
                record    ? record->title
                : catalog ? tr("(not in the catalog)")
                          : QString(),
                false);
    }
    m_updating = wasUpdating;
}

void ComposerWidget::updateObjectSearch(const QString& text)
{
    QStringList matches;
    if (const IndexCatalog* catalog = catalogFor(m_indexEdit->text().trimmed())) {
        const auto records = catalog->search(text, 30);
        for (const IndexCatalog::Record* record : records)
            matches << record->objectID + QStringLiteral(" \u2014 ") + record->title;
    }
    m_objectMatches->setStringList(matches);
}

void ComposerWidget::updateComputedValue()
{
    const auto value = readForm().computedValue();
    m_computedValueLabel->setText(
        value ? tr("\u03a3 price \u00d7 quantity = %1 %2")
                    .arg(QString::number(*value, 'f', 2), m_currencyEdit->currentText())
              : QString());
}

void ComposerWidget::refreshEventNames()
{
    const QString current = m_eventNameEdit->currentText();
    m_updating = true;
    m_eventNameEdit->clear();
    m_eventNameEdit->addItems(m_settings->eventNameHistory.value());
    m_eventNameEdit->setCurrentText(current);
    m_updating = false;
}

void ComposerWidget::refreshTemplates()
{
    m_templatesCombo->clear();
    m_templatesCombo->addItems(m_templates->names());
    m_templatesCombo->setCurrentIndex(-1);
}

void ComposerWidget::send()
{
    if (m_event.eventName)
        m_settings->rememberEventName(*m_event.eventName);
    refreshEventNames();
    Q_EMIT sendRequested(eventsToSend());
    resetOneEventUser();
}

void ComposerWidget::resetOneEventUser()
{
    // "This event only: <user>" means that: the next event is the global user's again.
    const QString id = m_userCombo->currentData().toString();
    if (id == kGlobalUser || id == kCustomUser)
        return;
    m_userCombo->setCurrentIndex(m_userCombo->findData(kGlobalUser));
}

void ComposerWidget::queue()
{
    if (m_event.eventName)
        m_settings->rememberEventName(*m_event.eventName);
    refreshEventNames();
    Q_EMIT queueRequested(eventsToSend());
    resetOneEventUser();
}

void ComposerWidget::loadExample()
{
    m_updating = true;
    m_kind = EventKind::ClickedObjectIDsAfterSearch;
    m_kindCombo->setCurrentIndex(m_kindCombo->findData(static_cast<int>(m_kind)));
    m_eventNameEdit->setCurrentText(QStringLiteral("Product Clicked"));
    m_indexEdit->setText(m_settings->defaultIndex.value());
    m_objectsTable->setRowCount(0);
    m_updating = false;
    applyKindVisibility();
    generateQueryID();
    const IndexCatalog* catalog = catalogFor(m_indexEdit->text());
    if (catalog && catalog->size() >= 2) {
        addObjectRow(catalog->records().at(0).objectID);
        addObjectRow(catalog->records().at(1).objectID);
    } else {
        addObjectRow(QStringLiteral("movie-0001"));
    }
}
