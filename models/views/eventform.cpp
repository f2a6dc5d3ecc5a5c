#include "eventform.h"

#include "event/eventcodec.h"
#include "event/validator.h"

#include <QRegularExpression>
#include <QUrl>

namespace {

bool isJsonNumber(const QString& text)
{
    static const QRegularExpression number(
        QStringLiteral("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$"));
    return number.match(text).hasMatch();
}

// What is typed in an amount field: a JSON number is sent as a number, anything else as a string ("8$").
std::optional<Amount> amountFromText(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    if (isJsonNumber(trimmed))
        return Amount{trimmed.toUtf8()};
    return Amount::fromString(trimmed);
}

QString amountToText(const std::optional<Amount>& amount)
{
    if (!amount)
        return {};
    if (amount->isString()) {
        // The JSON string literal, unquoted and unescaped by the codec itself.
        const QByteArray probe = QByteArrayLiteral("{\"currency\":") + amount->json + QByteArrayLiteral("}");
        const DecodedBatch decoded = EventCodec::decodeEvent(probe);
        if (!decoded.events.isEmpty() && decoded.events.constFirst().currency)
            return *decoded.events.constFirst().currency;
        return QString::fromUtf8(amount->json.mid(1, amount->json.size() - 2));
    }
    return QString::fromUtf8(amount->json);
}

std::optional<QString> nonEmpty(const QString& value)
{
    const QString trimmed = value.trimmed();
    return trimmed.isEmpty() ? std::nullopt : std::optional<QString>(trimmed);
}

std::optional<EventField> eventFieldOf(FormField field)
{
    switch (field) {
    case FormField::Summary:
    case FormField::Kind:
        return std::nullopt;
    case FormField::EventName:
        return EventField::EventName;
    case FormField::Index:
        return EventField::Index;
    case FormField::UserToken:
        return EventField::UserToken;
    case FormField::AuthenticatedUserToken:
        return EventField::AuthenticatedUserToken;
    case FormField::Timestamp:
        return EventField::Timestamp;
    case FormField::QueryID:
        return EventField::QueryID;
    case FormField::ObjectIDs:
        return EventField::ObjectIDs;
    case FormField::Positions:
        return EventField::Positions;
    case FormField::ObjectData:
        return EventField::ObjectData;
    case FormField::Filters:
        return EventField::Filters;
    case FormField::Value:
        return EventField::Value;
    case FormField::Currency:
        return EventField::Currency;
    case FormField::AgentID:
        return EventField::AgentID;
    }
    return std::nullopt;
}

constexpr FormField kFormFields[] = {
    FormField::Summary,   FormField::Kind,       FormField::EventName,
    FormField::Index,     FormField::UserToken,  FormField::AuthenticatedUserToken,
    FormField::Timestamp, FormField::QueryID,    FormField::ObjectIDs,
    FormField::Positions, FormField::ObjectData, FormField::Filters,
    FormField::Value,     FormField::Currency,   FormField::AgentID,
};

std::optional<FormField> formFieldOfRoot(const QString& root)
{
    // eventSubtype is chosen with the kind, as eventType is.
    if (root == QLatin1String("eventSubtype"))
        return FormField::Kind;
    for (const FormField field : kFormFields) {
        if (field != FormField::Summary && EventForm::pathRoot(field) == root)
            return field;
    }
    return std::nullopt;
}

} // namespace

FieldPath FieldPath::parse(const QString& field)
{
    static const QRegularExpression pattern(QStringLiteral("^([A-Za-z]+)(?:\\[(\\d+)\\])?(?:\\.(\\w+))?"));
    const QRegularExpressionMatch match = pattern.match(field);
    if (!match.hasMatch())
        return {field, -1, {}};
    FieldPath path;
    path.root = match.captured(1);
    path.index = match.captured(2).isEmpty() ? -1 : match.captured(2).toInt();
    path.member = match.captured(3);
    return path;
}

FormFilterRow FormFilterRow::fromEncoded(const QString& filter)
{
    const qsizetype colon = filter.indexOf(QLatin1Char(':'));
    FormFilterRow row;
    row.attribute = QUrl::fromPercentEncoding(filter.left(colon < 0 ? filter.size() : colon).toUtf8());
    row.value = colon < 0 ? QString() : QUrl::fromPercentEncoding(filter.mid(colon + 1).toUtf8());
    if (colon < 0 || encode(row.attribute, row.value) != filter)
        row.original = filter;
    return row;
}

QString FormFilterRow::encode(const QString& attribute, const QString& value)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(attribute)) + QLatin1Char(':') +
           QString::fromLatin1(QUrl::toPercentEncoding(value));
}

QString FormFilterRow::encoded() const
{
    return original ? *original : encode(attribute.trimmed(), value.trimmed());
}

bool EventForm::shows(EventKind kind, EventField field)
{
    const EventKindInfo& info = eventKindInfo(kind);
    return info.required.contains(field) || info.optional.contains(field) || field == EventField::EventName ||
           field == EventField::UserToken || field == EventField::AuthenticatedUserToken ||
           field == EventField::Timestamp;
}

bool EventForm::shows(EventKind kind, FormField field)
{
    const std::optional<EventField> eventField = eventFieldOf(field);
    return !eventField || shows(kind, *eventField);
}

QString EventForm::jsonName(EventField field)
{
    switch (field) {
    case EventField::EventName:
        return QStringLiteral("eventName");
    case EventField::Index:
        return QStringLiteral("index");
    case EventField::UserToken:
        return QStringLiteral("userToken");
    case EventField::AuthenticatedUserToken:
        return QStringLiteral("authenticatedUserToken");
    case EventField::Timestamp:
        return QStringLiteral("timestamp");
    case EventField::QueryID:
        return QStringLiteral("queryID");
    case EventField::ObjectIDs:
        return QStringLiteral("objectIDs");
    case EventField::Filters:
        return QStringLiteral("filters");
    case EventField::Positions:
        return QStringLiteral("positions");
    case EventField::ObjectData:
        return QStringLiteral("objectData");
    case EventField::ObjectDataQueryID:
        return QStringLiteral("objectData[].queryID");
    case EventField::Value:
        return QStringLiteral("value");
    case EventField::Currency:
        return QStringLiteral("currency");
    case EventField::AgentID:
        return QStringLiteral("agentID");
    }
    return {};
}

QString EventForm::pathRoot(FormField field)
{
    if (field == FormField::Summary)
        return {};
    if (field == FormField::Kind)
        return QStringLiteral("eventType");
    return jsonName(*eventFieldOf(field));
}

EventForm EventForm::fromEvent(const Event& event, EventKind fallback)
{
    EventForm form;
    form.kind = kindOf(event).value_or(fallback);
    form.eventName = event.eventName.value_or(QString());
    form.index = event.index.value_or(QString());
    form.userToken = event.userToken.value_or(QString());
    form.authenticatedUserToken = event.authenticatedUserToken.value_or(QString());
    form.timestamp = event.timestamp;
    form.queryID = event.queryID.value_or(QString());
    const QStringList objectIDs = event.objectIDs.value_or(QStringList());
    for (qsizetype row = 0; row < objectIDs.size(); ++row) {
        FormObjectRow line;
        line.objectID = objectIDs.at(row);
        if (event.positions && row < event.positions->size())
            line.position = QString::number(event.positions->at(row));
        if (event.objectData && row < event.objectData->size()) {
            const ObjectDataItem& item = event.objectData->at(row);
            line.price = amountToText(item.price);
            line.quantity = item.quantity ? QString::number(*item.quantity) : QString();
            line.discount = amountToText(item.discount);
            line.queryID = item.queryID.value_or(QString());
        }
        form.objects << line;
    }
    for (const QString& filter : event.filters.value_or(QStringList()))
        form.filters << FormFilterRow::fromEncoded(filter);
    form.value = amountToText(event.value);
    form.currency = event.currency.value_or(QString());
    form.agentID = event.agentID.value_or(QString());
    form.keepUnknownFieldsOf(event);
    return form;
}

void EventForm::keepUnknownFieldsOf(const Event& event)
{
    extras = event.extras;
    itemExtras.clear();
    for (const ObjectDataItem& item : event.objectData.value_or(QList<ObjectDataItem>()))
        itemExtras << item.extras;
}

Event EventForm::toEvent() const
{
    const EventKindInfo& info = eventKindInfo(kind);
    auto own = [&](EventField field) {
        return info.required.contains(field) || info.optional.contains(field);
    };
    Event event = eventOfKind(kind);
    event.extras = extras;
    event.eventName = nonEmpty(eventName);
    if (own(EventField::Index))
        event.index = nonEmpty(index);
    if (!userToken.isEmpty())
        event.userToken = userToken;
    if (!authenticatedUserToken.isEmpty())
        event.authenticatedUserToken = authenticatedUserToken;
    event.timestamp = timestamp;
    if (own(EventField::QueryID))
        event.queryID = nonEmpty(queryID);

    if (own(EventField::ObjectIDs)) {
        QStringList objectIDs;
        QList<qint64> positions;
        bool anyPosition = false;
        QList<ObjectDataItem> items;
        bool anyItem = false;
        for (const FormObjectRow& line : objects) {
            const QString objectID = line.objectID.trimmed();
            if (objectID.isEmpty())
                continue;
            objectIDs << objectID;
            const QString position = line.position.trimmed();
            anyPosition = anyPosition || !position.isEmpty();
            positions << position.toLongLong(); // empty or unreadable: 0, which the validator rejects
            ObjectDataItem item;
            item.price = amountFromText(line.price);
            item.discount = amountFromText(line.discount);
            bool ok = false;
            const qint64 quantity = line.quantity.trimmed().toLongLong(&ok);
            if (ok)
                item.quantity = quantity;
            if (own(EventField::ObjectDataQueryID))
                item.queryID = nonEmpty(line.queryID);
            anyItem = anyItem || item.price || item.discount || item.quantity || item.queryID;
            items << item;
        }
        if (!objectIDs.isEmpty())
            event.objectIDs = objectIDs;
        if (own(EventField::Positions) && anyPosition)
            event.positions = positions;
        if (own(EventField::ObjectData) && !items.isEmpty() &&
            (anyItem || info.required.contains(EventField::ObjectData))) {
            // Keys the form has no column for stay with their item, while the items are the same count.
            if (itemExtras.size() == items.size()) {
                for (qsizetype i = 0; i < items.size(); ++i)
                    items[i].extras = itemExtras.at(i);
            }
            event.objectData = items;
        }
    }
    if (own(EventField::Filters)) {
        QStringList encoded;
        for (const FormFilterRow& row : filters) {
            if (!row.original && row.attribute.trimmed().isEmpty() && row.value.trimmed().isEmpty())
                continue;
            encoded << row.encoded();
        }
        if (!encoded.isEmpty())
            event.filters = encoded;
    }
    if (own(EventField::Value))
        event.value = amountFromText(value);
    if (own(EventField::Currency))
        event.currency = nonEmpty(currency);
    if (own(EventField::AgentID))
        event.agentID = nonEmpty(agentID);
    return event;
}

std::optional<double> EventForm::computedValue() const
{
    const Event event = toEvent();
    if (!event.objectData)
        return std::nullopt;
    const std::optional<Validator::ExpectedValue> expected = Validator::expectedValue(*event.objectData);
    return expected ? std::optional<double>(expected->gross) : std::nullopt;
}

IssueTarget EventForm::targetOf(const QString& fieldPath, EventKind kind)
{
    const FieldPath path = FieldPath::parse(fieldPath);
    IssueTarget target;
    const std::optional<FormField> field = formFieldOfRoot(path.root);
    if (field && shows(kind, *field))
        target.field = *field;
    if (path.index < 0)
        return target;
    target.row = path.index;
    if (path.root == QLatin1String("objectIDs")) {
        target.objectColumn = ObjectColumn::ObjectID;
    } else if (path.root == QLatin1String("positions")) {
        target.objectColumn = ObjectColumn::Position;
    } else if (path.root == QLatin1String("objectData")) {
        target.objectColumn = path.member == QLatin1String("price")      ? ObjectColumn::Price
                              : path.member == QLatin1String("quantity") ? ObjectColumn::Quantity
                              : path.member == QLatin1String("discount") ? ObjectColumn::Discount
                              : path.member == QLatin1String("queryID")  ? ObjectColumn::ItemQueryID
                                                                         : ObjectColumn::ObjectID;
    } else if (path.root == QLatin1String("filters")) {
        target.filterRow = true;
    } else {
        target.row = -1;
    }
    return target;
}

IssuePlacement EventForm::placeIssues(const QList<Issue>& issues, EventKind kind)
{
    IssuePlacement placement;
    for (const Issue& issue : issues) {
        const IssueTarget target = targetOf(issue.field, kind);
        // In the summary, a line says which field it is about, unless issueLine() already does.
        const bool named = issue.field.isEmpty() || issue.field.contains(QLatin1Char('['));
        placement.lines[target.field] << (target.field == FormField::Summary && !named
                                              ? issue.field + QStringLiteral(": ") + issueLine(issue)
                                              : issueLine(issue));
        if (!placement.worst.contains(target.field) ||
            static_cast<int>(issue.severity) < static_cast<int>(placement.worst.value(target.field)))
            placement.worst.insert(target.field, issue.severity);
        if (target.objectColumn) {
            const QPair<int, int> cell{target.row, static_cast<int>(*target.objectColumn)};
            placement.objectCells[cell] += issue.message;
            if (issue.isError())
                placement.objectCellErrors.insert(cell);
        }
        if (target.filterRow) {
            placement.filterRows[target.row] += issue.message;
            if (issue.isError())
                placement.filterRowErrors.insert(target.row);
        }
    }
    return placement;
}

QString EventForm::issueLine(const Issue& issue)
{
    QString line = (issue.severity == Severity::Error     ? QStringLiteral("\u2716 ")
                    : issue.severity == Severity::Warning ? QStringLiteral("\u26a0 ")
                                                          : QStringLiteral("\u2139 ")) +
                   issue.message;
    if (!issue.field.isEmpty() && issue.field.contains(QLatin1Char('[')))
        line = issue.field + QStringLiteral(": ") + line;
    if (issue.unverifiedMessage)
        line += QStringLiteral(" (suggested wording: Algolia publishes no text)");
    return line;
}
