#pragma once

#include <QList>
#include <QString>

#include <optional>

struct Event;

// The kinds of event by their search-insights method names (insights-api.md §2.2). Kinds are a client-side
// notion: the API validates fields, so kindOf() infers the closest kind from the fields present.
enum class EventKind
{
    ClickedObjectIDsAfterSearch,
    ClickedObjectIDs,
    ClickedFilters,
    ConvertedObjectIDsAfterSearch,
    ConvertedObjectIDs,
    ConvertedFilters,
    AddedToCartObjectIDsAfterSearch,
    AddedToCartObjectIDs,
    PurchasedObjectIDsAfterSearch,
    PurchasedObjectIDs,
    ViewedObjectIDs,
    ViewedFilters,
    InstantSearch,
};

// The fields an event may carry, for forms that show only a kind's fields.
enum class EventField
{
    EventName,
    Index,
    UserToken,
    AuthenticatedUserToken,
    Timestamp,
    QueryID,
    ObjectIDs,
    Filters,
    Positions,
    ObjectData,
    ObjectDataQueryID,
    Value,
    Currency,
    AgentID,
};

struct EventKindInfo
{
    EventKind kind;
    QString name;         // search-insights method name, e.g. "clickedObjectIDsAfterSearch"
    QString eventType;    // click | conversion | view | instantsearch
    QString eventSubtype; // addToCart | purchase | empty
    QList<EventField> required;
    QList<EventField> optional; // besides authenticatedUserToken and timestamp, which every kind allows
};

const QList<EventKindInfo>& allEventKinds();
const EventKindInfo& eventKindInfo(EventKind kind);
std::optional<EventKind> eventKindFromName(QStringView name);
// The closest kind for an event's fields; nullopt when eventType is missing or unknown.
std::optional<EventKind> kindOf(const Event& event);
// A new event of that kind with eventType/eventSubtype set and nothing else.
Event eventOfKind(EventKind kind);
