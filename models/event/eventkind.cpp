#include "eventkind.h"

#include "event.h"

namespace {

using F = EventField;

QList<EventKindInfo> makeKinds()
{
    const QList<F> base{F::EventName, F::Index, F::UserToken};
    auto with = [&base](QList<F> more) { return base + more; };
    const QList<F> commerce{F::ObjectData, F::Value, F::Currency};
    return {
        {EventKind::ClickedObjectIDsAfterSearch,
         QStringLiteral("clickedObjectIDsAfterSearch"),
         QStringLiteral("click"),
         {},
         with({F::ObjectIDs, F::Positions, F::QueryID}),
         {}},
        {EventKind::ClickedObjectIDs,
         QStringLiteral("clickedObjectIDs"),
         QStringLiteral("click"),
         {},
         with({F::ObjectIDs}),
         {}},
        {EventKind::ClickedFilters,
         QStringLiteral("clickedFilters"),
         QStringLiteral("click"),
         {},
         with({F::Filters}),
         {}},
        {EventKind::ConvertedObjectIDsAfterSearch,
         QStringLiteral("convertedObjectIDsAfterSearch"),
         QStringLiteral("conversion"),
         {},
         with({F::ObjectIDs, F::QueryID}),
         {}},
        {EventKind::ConvertedObjectIDs,
         QStringLiteral("convertedObjectIDs"),
         QStringLiteral("conversion"),
         {},
         with({F::ObjectIDs}),
         {}},
        {EventKind::ConvertedFilters,
         QStringLiteral("convertedFilters"),
         QStringLiteral("conversion"),
         {},
         with({F::Filters}),
         {}},
        {EventKind::AddedToCartObjectIDsAfterSearch, QStringLiteral("addedToCartObjectIDsAfterSearch"),
         QStringLiteral("conversion"), QStringLiteral("addToCart"), with({F::ObjectIDs, F::QueryID}),
         commerce + QList<F>{F::ObjectDataQueryID}},
        {EventKind::AddedToCartObjectIDs, QStringLiteral("addedToCartObjectIDs"),
         QStringLiteral("conversion"), QStringLiteral("addToCart"), with({F::ObjectIDs}), commerce},
        {EventKind::PurchasedObjectIDsAfterSearch,
         QStringLiteral("purchasedObjectIDsAfterSearch"),
         QStringLiteral("conversion"),
         QStringLiteral("purchase"),
         with({F::ObjectIDs, F::ObjectData, F::ObjectDataQueryID}),
         {F::Value, F::Currency}},
        {EventKind::PurchasedObjectIDs, QStringLiteral("purchasedObjectIDs"), QStringLiteral("conversion"),
         QStringLiteral("purchase"), with({F::ObjectIDs}), commerce},
        {EventKind::ViewedObjectIDs,
         QStringLiteral("viewedObjectIDs"),
         QStringLiteral("view"),
         {},
         with({F::ObjectIDs}),
         {}},
        {EventKind::ViewedFilters,
         QStringLiteral("viewedFilters"),
         QStringLiteral("view"),
         {},
         with({F::Filters}),
         {}},
        {EventKind::InstantSearch,
         QStringLiteral("instantsearch"),
         QStringLiteral("instantsearch"),
         {},
         {F::EventName, F::UserToken},
         {F::AgentID}},
    };
}

bool hasObjectDataQueryID(const Event& event)
{
    if (!event.objectData)
        return false;
    for (const ObjectDataItem& item : *event.objectData) {
        if (item.queryID)
            return true;
    }
    return false;
}

} // namespace

const QList<EventKindInfo>& allEventKinds()
{
    static const QList<EventKindInfo> kinds = makeKinds();
    return kinds;
}

const EventKindInfo& eventKindInfo(EventKind kind)
{
    return allEventKinds().at(static_cast<int>(kind));
}

std::optional<EventKind> eventKindFromName(QStringView name)
{
    for (const EventKindInfo& info : allEventKinds()) {
        if (info.name == name)
            return info.kind;
    }
    return std::nullopt;
}

std::optional<EventKind> kindOf(const Event& event)
{
    if (!event.eventType)
        return std::nullopt;
    const QString& type = *event.eventType;
    const bool filters = event.filters.has_value() && !event.objectIDs.has_value();
    const bool afterSearch = event.queryID.has_value();
    if (type == u"click") {
        if (filters)
            return EventKind::ClickedFilters;
        return afterSearch || event.positions ? EventKind::ClickedObjectIDsAfterSearch
                                              : EventKind::ClickedObjectIDs;
    }
    if (type == u"view")
        return filters ? EventKind::ViewedFilters : EventKind::ViewedObjectIDs;
    if (type == u"instantsearch")
        return EventKind::InstantSearch;
    if (type != u"conversion")
        return std::nullopt;
    const QString subtype = event.eventSubtype.value_or(QString());
    if (subtype == u"addToCart") {
        return afterSearch || hasObjectDataQueryID(event) ? EventKind::AddedToCartObjectIDsAfterSearch
                                                          : EventKind::AddedToCartObjectIDs;
    }
    if (subtype == u"purchase") {
        return afterSearch || hasObjectDataQueryID(event) ? EventKind::PurchasedObjectIDsAfterSearch
                                                          : EventKind::PurchasedObjectIDs;
    }
    if (filters)
        return EventKind::ConvertedFilters;
    return afterSearch ? EventKind::ConvertedObjectIDsAfterSearch : EventKind::ConvertedObjectIDs;
}

Event eventOfKind(EventKind kind)
{
    const EventKindInfo& info = eventKindInfo(kind);
    Event event;
    event.eventType = info.eventType;
    if (!info.eventSubtype.isEmpty())
        event.eventSubtype = info.eventSubtype;
    return event;
}
