// The composer's form as values (models/views/eventform.h): which fields each kind shows, Event -> form ->
// Event, kind switches, where an issue's field path lands, "Use computed" against the validator.

#include "views/eventform.h"

#include "event/validator.h"

#include <QTest>

Q_DECLARE_METATYPE(EventKind)
Q_DECLARE_METATYPE(FormField)
Q_DECLARE_METATYPE(std::optional<ObjectColumn>)

namespace {

// An event of a kind with every field the form shows for that kind filled, unknown fields included: what a
// round trip through the form must give back unchanged.
Event sampleEvent(EventKind kind)
{
    auto shows = [kind](EventField field) { return EventForm::shows(kind, field); };
    Event event = eventOfKind(kind);
    event.eventName = QStringLiteral("Sample %1").arg(eventKindInfo(kind).name);
    if (shows(EventField::Index))
        event.index = QStringLiteral("products");
    event.userToken = QStringLiteral("user-42");
    event.authenticatedUserToken = QStringLiteral("auth-42");
    event.timestamp = 1764590000123;
    if (shows(EventField::QueryID))
        event.queryID = QStringLiteral("43b15df305339e827f0ac0bdc5ebcaa7");
    if (shows(EventField::ObjectIDs))
        event.objectIDs =
            QStringList{QStringLiteral("sku-1"), QStringLiteral("sku-2"), QStringLiteral("sku-3")};
    if (shows(EventField::Positions))
        event.positions = QList<qint64>{1, 4, 7};
    if (shows(EventField::ObjectData)) {
        QList<ObjectDataItem> items;
        for (int i = 0; i < 3; ++i) {
            ObjectDataItem item;
            item.price =
                i == 1 ? Amount::fromString(QStringLiteral("8$")) : Amount{QByteArrayLiteral("49.99")};
            item.quantity = i + 1;
            if (i == 0)
                item.discount = Amount::fromString(QStringLiteral("30%"));
            if (i == 2)
                item.discount = Amount{QByteArrayLiteral("2.5")};
            if (shows(EventField::ObjectDataQueryID))
                item.queryID = QStringLiteral("%1").arg(i, 32, 16, QLatin1Char('0'));
            if (i == 1)
                item.extras.append({QStringLiteral("sku"), QByteArrayLiteral("\"A-2\"")});
            items << item;
        }
        event.objectData = items;
    }
    if (shows(EventField::Filters))
        event.filters = QStringList{QStringLiteral("genres:Drama"), QStringLiteral("brand:Acme%20Inc"),
                                    QStringLiteral("discount:10%")}; // the last one not canonical: kept
    if (shows(EventField::Value))
        event.value = Amount{QByteArrayLiteral("139.97")};
    if (shows(EventField::Currency))
        event.currency = QStringLiteral("EUR");
    if (shows(EventField::AgentID))
        event.agentID = QStringLiteral("agent-7");
    event.extras.append({QStringLiteral("algoliaSource"), QByteArrayLiteral("[\"instantsearch\"]")});
    return event;
}

// Whether an event carries a field, and its value as comparable text.
std::optional<QString> fieldOf(const Event& event, EventField field)
{
    auto text = [](const auto& value) -> std::optional<QString> {
        if (!value)
            return std::nullopt;
        QString out;
        QDebug(&out) << *value;
        return out;
    };
    auto amounts = [](const std::optional<Amount>& amount) {
        return amount ? std::optional<QString>(QString::fromUtf8(amount->json)) : std::nullopt;
    };
    switch (field) {
    case EventField::EventName:
        return event.eventName;
    case EventField::Index:
        return event.index;
    case EventField::UserToken:
        return event.userToken;
    case EventField::AuthenticatedUserToken:
        return event.authenticatedUserToken;
    case EventField::Timestamp:
        return text(event.timestamp);
    case EventField::QueryID:
        return event.queryID;
    case EventField::ObjectIDs:
        return text(event.objectIDs);
    case EventField::Filters:
        return text(event.filters);
    case EventField::Positions:
        return text(event.positions);
    case EventField::ObjectData: {
        if (!event.objectData)
            return std::nullopt;
        QStringList items;
        for (const ObjectDataItem& item : *event.objectData)
            items << amounts(item.price).value_or(QString()) + QLatin1Char('|') +
                         amounts(item.discount).value_or(QString()) + QLatin1Char('|') +
                         (item.quantity ? QString::number(*item.quantity) : QString());
        return items.join(QLatin1Char(','));
    }
    case EventField::ObjectDataQueryID: {
        QStringList ids;
        for (const ObjectDataItem& item : event.objectData.value_or(QList<ObjectDataItem>())) {
            if (item.queryID)
                ids << *item.queryID;
        }
        return ids.isEmpty() ? std::nullopt : std::optional<QString>(ids.join(QLatin1Char(',')));
    }
    case EventField::Value:
        return amounts(event.value);
    case EventField::Currency:
        return event.currency;
    case EventField::AgentID:
        return event.agentID;
    }
    return std::nullopt;
}

const QList<EventField> kAllFields = {
    EventField::EventName,         EventField::Index,
    EventField::UserToken,         EventField::AuthenticatedUserToken,
    EventField::Timestamp,         EventField::QueryID,
    EventField::ObjectIDs,         EventField::Filters,
    EventField::Positions,         EventField::ObjectData,
    EventField::ObjectDataQueryID, EventField::Value,
    EventField::Currency,          EventField::AgentID,
};

} // namespace

class TestEventForm final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eachKindShowsItsOwnFields_data();
    void eachKindShowsItsOwnFields();
    void roundTripIsIdentity_data();
    void roundTripIsIdentity();
    void kindSwitchKeepsSharedFieldsAndDropsTheOthers_data();
    void kindSwitchKeepsSharedFieldsAndDropsTheOthers();
    void formEditsBuildTheEvent();
    void fieldPathsAreParsed_data();
    void fieldPathsAreParsed();
    void issuePathFindsItsFormField_data();
    void issuePathFindsItsFormField();
    void issuesArePlacedAndNeverLost();
    void computedValueIsTheValidatorsOwn();
};

void TestEventForm::eachKindShowsItsOwnFields_data()
{
    QTest::addColumn<EventKind>("kind");
    for (const EventKindInfo& info : allEventKinds())
        QTest::newRow(qPrintable(info.name)) << info.kind;
}

void TestEventForm::eachKindShowsItsOwnFields()
{
    QFETCH(EventKind, kind);
    const EventKindInfo& info = eventKindInfo(kind);
    for (const EventField field : kAllFields) {
        const bool everyKind = field == EventField::EventName || field == EventField::UserToken ||
                               field == EventField::AuthenticatedUserToken || field == EventField::Timestamp;
        const bool expected = everyKind || info.required.contains(field) || info.optional.contains(field);
        QVERIFY2(EventForm::shows(kind, field) == expected, qPrintable(EventForm::jsonName(field)));
    }
    // The summary and the kind's own row are always there.
    QVERIFY(EventForm::shows(kind, FormField::Summary));
    QVERIFY(EventForm::shows(kind, FormField::Kind));
}

void TestEventForm::roundTripIsIdentity_data()
{
    eachKindShowsItsOwnFields_data();
}

void TestEventForm::roundTripIsIdentity()
{
    QFETCH(EventKind, kind);
    const Event event = sampleEvent(kind);
    const EventForm form = EventForm::fromEvent(event, EventKind::InstantSearch);
    QCOMPARE(form.kind, kind);
    const Event back = form.toEvent();
    for (const EventField field : kAllFields)
        QVERIFY2(fieldOf(back, field) == fieldOf(event, field), qPrintable(EventForm::jsonName(field)));
    QVERIFY(back == event); // unknown fields and per-item extras included
    // And a second pass changes nothing either.
    QVERIFY(EventForm::fromEvent(back).toEvent() == event);
}

void TestEventForm::kindSwitchKeepsSharedFieldsAndDropsTheOthers_data()
{
    QTest::addColumn<EventKind>("from");
    QTest::addColumn<EventKind>("to");
    int pairs = 0;
    for (const EventKindInfo& from : allEventKinds()) {
        for (const EventKindInfo& to : allEventKinds()) {
            if (from.kind == to.kind)
                continue;
            QTest::addRow("%s->%s", qPrintable(from.name), qPrintable(to.name)) << from.kind << to.kind;
            ++pairs;
        }
    }
    QCOMPARE(pairs, 13 * 12);
}

void TestEventForm::kindSwitchKeepsSharedFieldsAndDropsTheOthers()
{
    QFETCH(EventKind, from);
    QFETCH(EventKind, to);
    const Event original = sampleEvent(from);
    EventForm form = EventForm::fromEvent(original);
    form.kind = to;
    const Event switched = form.toEvent();
    const Event ofKind = eventOfKind(to);
    QCOMPARE(switched.eventType, ofKind.eventType);
    QCOMPARE(switched.eventSubtype, ofKind.eventSubtype);
    for (const EventField field : kAllFields) {
        const QString name = EventForm::jsonName(field);
        if (!EventForm::shows(to, field)) {
            QVERIFY2(!fieldOf(switched, field), qPrintable(name + QStringLiteral(" should be dropped")));
        } else if (EventForm::shows(from, field)) {
            QVERIFY2(fieldOf(switched, field) == fieldOf(original, field),
                     qPrintable(name + QStringLiteral(" should be kept")));
        } else {
            // A field the first kind had no place for: nothing to carry over (a kind that requires
            // objectData gets one empty item per object, for the validator to point at).
            const std::optional<QString> value = fieldOf(switched, field);
            const bool emptyItems =
                field == EventField::ObjectData && value &&
                QString(*value).remove(QLatin1Char('|')).remove(QLatin1Char(',')).isEmpty();
            QVERIFY2(!value || emptyItems,
                     qPrintable(name + QStringLiteral(" should be empty: ") + value.value_or(QString())));
        }
    }
    QCOMPARE(switched.extras, original.extras);
    // What the other kind left stays in the form: switching back sends the first event again.
    form.kind = from;
    QVERIFY(form.toEvent() == original);
}

void TestEventForm::formEditsBuildTheEvent()
{
    EventForm form;
    form.kind = EventKind::PurchasedObjectIDs;
    form.eventName = QStringLiteral("  Order Completed ");
    form.index = QStringLiteral("products");
    form.userToken = QStringLiteral(" spaced "); // tokens go as typed: the validator points out the spaces
    form.objects = {FormObjectRow{QStringLiteral("sku-1"), QStringLiteral("3"), QStringLiteral("10.10"),
                                  QStringLiteral("3"), QString(), QStringLiteral("not sent by this kind")},
                    FormObjectRow{QStringLiteral("  "), {}, QStringLiteral("1"), {}, {}, {}}, // no objectID
                    FormObjectRow{QStringLiteral("sku-2"),
                                  {},
                                  QStringLiteral("eight"),
                                  QStringLiteral("x"),
                                  QStringLiteral("1"),
                                  {}}};
    form.value = QStringLiteral("30.3");
    form.currency = QStringLiteral(" ");
    const Event event = form.toEvent();
    QCOMPARE(event.eventName, std::optional<QString>(QStringLiteral("Order Completed")));
    QCOMPARE(event.userToken, std::optional<QString>(QStringLiteral(" spaced ")));
    QVERIFY(!event.timestamp); // collected now
    QCOMPARE(event.objectIDs,
             std::optional<QStringList>(QStringList{QStringLiteral("sku-1"), QStringLiteral("sku-2")}));
    QVERIFY(!event.positions); // a purchase has none
    QVERIFY(event.objectData);
    QCOMPARE(event.objectData->size(), 2);
    QCOMPARE(event.objectData->at(0).price->json, QByteArrayLiteral("10.10"));
    QCOMPARE(event.objectData->at(0).quantity, std::optional<qint64>(3));
    QVERIFY(!event.objectData->at(0).queryID);
    QCOMPARE(event.objectData->at(1).price->json, QByteArrayLiteral("\"eight\"")); // not a number: a string
    QVERIFY(!event.objectData->at(1).quantity);
    QCOMPARE(event.value->json, QByteArrayLiteral("30.3"));
    QVERIFY(!event.currency);

    // Filters: an edited row goes URL-encoded; a pasted one stays as it came until edited.
    EventForm filters;
    filters.kind = EventKind::ClickedFilters;
    filters.filters = {FormFilterRow::fromEncoded(QStringLiteral("discount:10%")),
                       FormFilterRow{QStringLiteral("brand"), QStringLiteral("Acme Inc"), std::nullopt},
                       FormFilterRow{}};
    QCOMPARE(filters.filters.constFirst().value, QStringLiteral("10%"));
    QCOMPARE(filters.toEvent().filters,
             std::optional<QStringList>(
                 QStringList{QStringLiteral("discount:10%"), QStringLiteral("brand:Acme%20Inc")}));
    filters.filters.first().original.reset();
    QCOMPARE(filters.toEvent().filters->constFirst(), QStringLiteral("discount:10%25"));
}

void TestEventForm::fieldPathsAreParsed_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("root");
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("member");
    QTest::newRow("plain") << "queryID"
                           << "queryID" << -1 << "";
    QTest::newRow("item") << "positions[1]"
                          << "positions" << 1 << "";
    QTest::newRow("member") << "objectData[2].quantity"
                            << "objectData" << 2 << "quantity";
    QTest::newRow("big index") << "objectIDs[19]"
                               << "objectIDs" << 19 << "";
    QTest::newRow("empty") << ""
                           << "" << -1 << "";
}

void TestEventForm::fieldPathsAreParsed()
{
    QFETCH(QString, field);
    const FieldPath path = FieldPath::parse(field);
    QTEST(path.root, "root");
    QTEST(path.index, "index");
    QTEST(path.member, "member");
}

void TestEventForm::issuePathFindsItsFormField_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<EventKind>("kind");
    QTest::addColumn<FormField>("field");
    QTest::addColumn<int>("row");
    QTest::addColumn<std::optional<ObjectColumn>>("column");
    QTest::addColumn<bool>("filterRow");
    using K = EventKind;
    using F = FormField;
    using C = ObjectColumn;
    const std::optional<C> none;
    QTest::newRow("quantity") << "objectData[2].quantity" << K::PurchasedObjectIDs << F::ObjectData << 2
                              << std::optional<C>(C::Quantity) << false;
    QTest::newRow("price") << "objectData[0].price" << K::AddedToCartObjectIDs << F::ObjectData << 0
                           << std::optional<C>(C::Price) << false;
    QTest::newRow("discount") << "objectData[1].discount" << K::PurchasedObjectIDsAfterSearch << F::ObjectData
                              << 1 << std::optional<C>(C::Discount) << false;
    QTest::newRow("item queryID") << "objectData[3].queryID" << K::PurchasedObjectIDsAfterSearch
                                  << F::ObjectData << 3 << std::optional<C>(C::ItemQueryID) << false;
    QTest::newRow("whole item") << "objectData[1]" << K::PurchasedObjectIDs << F::ObjectData << 1
                                << std::optional<C>(C::ObjectID) << false;
    QTest::newRow("objectData of a click") << "objectData[0].price" << K::ClickedObjectIDs << F::Summary << 0
                                           << std::optional<C>(C::Price) << false;
    QTest::newRow("position") << "positions[1]" << K::ClickedObjectIDsAfterSearch << F::Positions << 1
                              << std::optional<C>(C::Position) << false;
    QTest::newRow("position of a view")
        << "positions[1]" << K::ViewedObjectIDs << F::Summary << 1 << std::optional<C>(C::Position) << false;
    QTest::newRow("objectID") << "objectIDs[4]" << K::ViewedObjectIDs << F::ObjectIDs << 4
                              << std::optional<C>(C::ObjectID) << false;
    QTest::newRow("objectIDs") << "objectIDs" << K::ViewedObjectIDs << F::ObjectIDs << -1 << none << false;
    QTest::newRow("filter") << "filters[0]" << K::ClickedFilters << F::Filters << 0 << none << true;
    QTest::newRow("queryID shown") << "queryID" << K::ConvertedObjectIDsAfterSearch << F::QueryID << -1
                                   << none << false;
    QTest::newRow("queryID hidden") << "queryID" << K::ClickedObjectIDs << F::Summary << -1 << none << false;
    QTest::newRow("eventType") << "eventType" << K::ViewedFilters << F::Kind << -1 << none << false;
    QTest::newRow("eventSubtype") << "eventSubtype" << K::PurchasedObjectIDs << F::Kind << -1 << none
                                  << false;
    QTest::newRow("whole event") << "" << K::ClickedObjectIDs << F::Summary << -1 << none << false;
    QTest::newRow("eventName") << "eventName" << K::InstantSearch << F::EventName << -1 << none << false;
    QTest::newRow("index hidden") << "index" << K::InstantSearch << F::Summary << -1 << none << false;
    QTest::newRow("index") << "index" << K::ViewedObjectIDs << F::Index << -1 << none << false;
    QTest::newRow("userToken") << "userToken" << K::ClickedFilters << F::UserToken << -1 << none << false;
    QTest::newRow("authenticatedUserToken")
        << "authenticatedUserToken" << K::ViewedFilters << F::AuthenticatedUserToken << -1 << none << false;
    QTest::newRow("timestamp") << "timestamp" << K::ConvertedFilters << F::Timestamp << -1 << none << false;
    QTest::newRow("value") << "value" << K::PurchasedObjectIDs << F::Value << -1 << none << false;
    QTest::newRow("value of a click") << "value" << K::ClickedObjectIDs << F::Summary << -1 << none << false;
    QTest::newRow("currency") << "currency" << K::AddedToCartObjectIDsAfterSearch << F::Currency << -1 << none
                              << false;
    QTest::newRow("agentID") << "agentID" << K::InstantSearch << F::AgentID << -1 << none << false;
    QTest::newRow("unknown") << "customField" << K::ClickedObjectIDs << F::Summary << -1 << none << false;
}

void TestEventForm::issuePathFindsItsFormField()
{
    QFETCH(QString, path);
    QFETCH(EventKind, kind);
    const IssueTarget target = EventForm::targetOf(path, kind);
    QTEST(target.field, "field");
    QTEST(target.row, "row");
    QTEST(target.objectColumn, "column");
    QTEST(target.filterRow, "filterRow");
    // The form field carries the issues of its path root: its issue line is found by that name.
    if (target.field != FormField::Summary && target.field != FormField::Kind)
        QCOMPARE(EventForm::pathRoot(target.field), FieldPath::parse(path).root);
}

void TestEventForm::issuesArePlacedAndNeverLost()
{
    auto issue = [](Severity severity, const QString& field, const QString& message) {
        Issue i;
        i.severity = severity;
        i.field = field;
        i.message = message;
        return i;
    };
    const QList<Issue> issues = {
        issue(Severity::Warning, QStringLiteral("queryID"), QStringLiteral("no queryID")),
        issue(Severity::Error, QStringLiteral("objectData[1].quantity"),
              QStringLiteral("quantity must be > 0")),
        issue(Severity::Warning, QStringLiteral("objectData[1].price"), QStringLiteral("no price")),
        issue(Severity::Error, QStringLiteral("eventName"), QStringLiteral("eventName is required")),
        issue(Severity::Warning, QStringLiteral("eventName"), QStringLiteral("long name")),
        issue(Severity::Error, QString(), QStringLiteral("whole event")),
    };
    const IssuePlacement placement = EventForm::placeIssues(issues, EventKind::PurchasedObjectIDs);
    // A purchase without a queryID field: its warning is in the summary, saying which field it is about.
    const QStringList summary = placement.lines.value(FormField::Summary);
    QCOMPARE(summary.size(), 2);
    QCOMPARE(summary.at(0), QStringLiteral("queryID: \u26a0 no queryID"));
    QCOMPARE(summary.at(1), QStringLiteral("\u2716 whole event"));
    QCOMPARE(placement.worst.value(FormField::Summary), Severity::Error);
    // Both item issues under the table, each naming its item.
    QCOMPARE(placement.lines.value(FormField::ObjectData),
             QStringList({QStringLiteral("objectData[1].quantity: \u2716 quantity must be > 0"),
                          QStringLiteral("objectData[1].price: \u26a0 no price")}));
    QCOMPARE(placement.worst.value(FormField::ObjectData), Severity::Error);
    QCOMPARE(placement.lines.value(FormField::EventName).size(), 2);
    QCOMPARE(placement.worst.value(FormField::EventName), Severity::Error);
    // And their cells marked: the quantity as an error, the price as a warning.
    const QPair<int, int> quantity{1, static_cast<int>(ObjectColumn::Quantity)};
    const QPair<int, int> price{1, static_cast<int>(ObjectColumn::Price)};
    QCOMPARE(placement.objectCells.value(quantity), QStringLiteral("quantity must be > 0"));
    QVERIFY(placement.objectCellErrors.contains(quantity));
    QCOMPARE(placement.objectCells.value(price), QStringLiteral("no price"));
    QVERIFY(!placement.objectCellErrors.contains(price));
    int placed = 0;
    for (const QStringList& lines : placement.lines)
        placed += static_cast<int>(lines.size());
    QCOMPARE(placed, issues.size());
}

void TestEventForm::computedValueIsTheValidatorsOwn()
{
    // Quantity 3 with a discount: "Use computed" must propose a value the value.mismatch rule accepts.
    EventForm form;
    form.kind = EventKind::PurchasedObjectIDs;
    form.eventName = QStringLiteral("Order Completed");
    form.index = QStringLiteral("products");
    form.userToken = QStringLiteral("user-42");
    form.currency = QStringLiteral("EUR");
    form.objects = {
        FormObjectRow{QStringLiteral("sku-1"),
                      {},
                      QStringLiteral("10.10"),
                      QStringLiteral("3"),
                      QStringLiteral("1.5"),
                      {}},
        FormObjectRow{QStringLiteral("sku-2"), {}, QStringLiteral("4.99"), QStringLiteral("2"), {}, {}}};
    const std::optional<double> computed = form.computedValue();
    QVERIFY(computed);
    QCOMPARE(*computed, 10.10 * 3 + 4.99 * 2);
    auto mismatch = [](const EventForm& f) {
        Event event = f.toEvent();
        event.timestamp = 1764590000000;
        ValidationContext context;
        context.nowMs = *event.timestamp;
        for (const Issue& issue : Validator::validateEvents({event}, context).allIssues()) {
            if (issue.code == QLatin1String("value.mismatch"))
                return true;
        }
        return false;
    };
    form.value = QString::number(*computed, 'g', 12);
    QVERIFY(!mismatch(form));
    form.value = QStringLiteral("12");
    QVERIFY(mismatch(form));
    // Nothing to compute from: no items, or an item without a numeric price.
    form.objects = {};
    QVERIFY(!form.computedValue());
}

QTEST_GUILESS_MAIN(TestEventForm)
#include "tst_eventform.moc"
