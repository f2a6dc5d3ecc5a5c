#pragma once

#include "event/event.h"
#include "event/eventkind.h"
#include "event/issue.h"

#include <QHash>
#include <QList>
#include <QPair>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

// The composer's form as plain values, apart from its widgets: which fields a kind shows, an Event read
// into the form's fields and an Event built from them, and where in the form an issue's field path points.
// The composer (ui/composer) only builds widgets and copies their text to and from an EventForm; every
// rule about what the form sends lives here, where a unit test reaches it without a window.

// A field path as the validator and the codec write it: "positions[1]" -> {positions, 1, ""};
// "objectData[0].price" -> {objectData, 0, price}; "queryID" -> {queryID, -1, ""}.
struct FieldPath
{
    QString root;
    int index = -1;
    QString member;

    static FieldPath parse(const QString& field);
};

// The places of the form an issue is shown at: one per form row, the two lines under the objects table
// (positions, objectData) and the summary under the form, for issues of fields the kind does not show.
enum class FormField
{
    Summary,
    Kind, // eventType, eventSubtype
    EventName,
    Index,
    UserToken,
    AuthenticatedUserToken,
    Timestamp,
    QueryID,
    ObjectIDs,
    Positions,
    ObjectData,
    Filters,
    Value,
    Currency,
    AgentID,
};

// The columns of the objects table: one row per objectID, with its position and objectData item.
enum class ObjectColumn
{
    ObjectID,
    Title, // from the index catalog; never sent
    Position,
    Price,
    Quantity,
    Discount,
    ItemQueryID,
};
inline constexpr int kObjectColumnCount = 7;

// One line of the objects table, as typed.
struct FormObjectRow
{
    QString objectID;
    QString position;
    QString price;
    QString quantity;
    QString discount;
    QString queryID;
};

// One line of the filters table: attribute and value, sent URL-encoded as "attribute:value".
struct FormFilterRow
{
    QString attribute;
    QString value;
    // A filter read from an event whose text is not the canonical encoding of its parts: sent as it came
    // until the user edits the row, so that a round trip never rewrites what the user pasted.
    std::optional<QString> original;

    static FormFilterRow fromEncoded(const QString& filter);
    static QString encode(const QString& attribute, const QString& value);
    // What the row sends: the original text, or the encoding of its parts.
    QString encoded() const;
};

// Where an issue shows: the form field whose line carries it, and the table cell it marks, if any.
struct IssueTarget
{
    FormField field = FormField::Summary;
    int row = -1;                             // a row of the objects or filters table
    std::optional<ObjectColumn> objectColumn; // the objects table's cell
    bool filterRow = false;                   // the filters table's row
};

// The issues of a verdict, sorted by the place they show at.
struct IssuePlacement
{
    QHash<FormField, QStringList> lines;         // the text of each field's line, one entry per issue
    QHash<FormField, Severity> worst;            // the worst severity on each field's line
    QHash<QPair<int, int>, QString> objectCells; // (row, ObjectColumn) -> what is wrong there
    QSet<QPair<int, int>> objectCellErrors;      // the cells among them with an error
    QHash<int, QString> filterRows;
    QSet<int> filterRowErrors;
};

class EventForm final
{
public:
    EventKind kind = EventKind::ClickedObjectIDsAfterSearch;
    QString eventName;
    QString index;
    QString userToken; // sent exactly as typed: a stray space is something the validator must point out
    QString authenticatedUserToken;
    std::optional<qint64> timestamp; // nullopt: "collected now", stamped when queued or sent
    QString queryID;
    QList<FormObjectRow> objects;
    QList<FormFilterRow> filters;
    QString value;
    QString currency;
    QString agentID;
    // What the form has no field for, kept through form edits: the event's unknown fields and each
    // objectData item's (by position).
    QList<std::pair<QString, QByteArray>> extras;
    QList<QList<std::pair<QString, QByteArray>>> itemExtras;

    // Whether the form shows a field for a kind: the kind's fields, and the name, the tokens and the
    // timestamp, which every kind may carry.
    static bool shows(EventKind kind, EventField field);
    bool shows(EventField field) const { return shows(kind, field); }
    static bool shows(EventKind kind, FormField field);
    // The field's name in JSON ("objectData[].queryID" for the per-item queryID).
    static QString jsonName(EventField field);
    // The root of the field paths a form field carries the issues of ("eventType", "positions"...), and
    // the summary's "".
    static QString pathRoot(FormField field);

    // The form filled from an event; its kind is the event's (kindOf), else `fallback`.
    static EventForm fromEvent(const Event& event,
                               EventKind fallback = EventKind::ClickedObjectIDsAfterSearch);
    // The event the form sends now: the kind's fields only (what another kind left in the form stays in the
    // form, unsent, until that kind is chosen again), text fields trimmed and empty ones absent.
    Event toEvent() const;
    // Keeps what the form has no field for from the event it last built or read.
    void keepUnknownFieldsOf(const Event& event);

    // Σ price × quantity − discount × quantity over the items, the validator's own computation, so that
    // "Use computed" never writes a value it then flags; nullopt without items to compute from.
    std::optional<double> computedValue() const;

    // Where an issue about `fieldPath` shows in the form of a kind: at its field when the kind shows it,
    // else in the summary, never lost.
    static IssueTarget targetOf(const QString& fieldPath, EventKind kind);
    static IssuePlacement placeIssues(const QList<Issue>& issues, EventKind kind);
    // One issue as the form reads it: "✖ message", with its path when it points into an array.
    static QString issueLine(const Issue& issue);
};
