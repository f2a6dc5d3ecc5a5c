#include "composerwidget.h"

#include "composertables.h"

#include "catalog/indexcatalog.h"
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
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QStringListModel>
#include <QTableWidget>

using namespace ComposerTables;

namespace {

const QString kCustomUser = QStringLiteral("custom");
const QString kGlobalUser = QString();

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
