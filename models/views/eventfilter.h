#pragma once

#include "log/eventlog.h"

#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

struct EventFilterParseResult;

// What the debugger's filter bar asks for, typed: the dashboard's `field=value` syntax
// (`httpCode=422 status=4XX eventType=click errors=true userToken=… index=… eventName=…`) combined with AND
// (a space or the word AND), plus free text searched in the record's raw JSON (an event's JSON, a search's
// JSON with its query and hits, a refused request's body). `kind=event|search|request` picks the records of
// one kind, `queryID=…` a search and the events that cite it. Every condition must hold.
struct EventFilter
{
    std::optional<int> httpCode;       // httpCode=422 or status=422
    std::optional<int> httpClass;      // status=4XX or httpCode=4XX: the hundreds digit (4)
    std::optional<bool> accepted;      // status=accepted | status=rejected
    std::optional<bool> hasErrors;     // errors=true: the event itself breaks a rule (not just its batch)
    std::optional<bool> hasWarnings;   // warnings=true
    QString eventType;                 // eventType=click
    QString eventSubtype;              // eventSubtype=purchase, or eventType=addToCart|purchase
    QString userToken;                 // userToken=…: the userToken or the authenticatedUserToken
    QString index;                     // index=…
    QString eventName;                 // eventName="Product Clicked"
    QString requestId;                 // requestId=…: the events of one request
    std::optional<EventSource> source; // source=endpoint|sent|algolia|imported
    std::optional<RecordKind> kind;    // kind=event|search|request
    QString queryId;                   // queryID=…: the search that returned it and the events citing it
    QStringList freeText;              // words (or quoted phrases) found in the raw JSON, case-insensitive

    bool isEmpty() const;
    // Whether a record passes every condition. Pure: the same rule the log's query applies, for records held
    // in memory (live appends, imports, tests).
    bool matches(const LogRecord& record) const;
    // The same conditions as a log query (all matching ids, oldest first), for the log to run in SQL.
    LogQuery toLogQuery() const;
    // The canonical text of the filter, e.g. `httpCode=422 eventType=click "add to cart"`; parse() reads it
    // back to an equal filter.
    QString toString() const;
    bool operator==(const EventFilter& other) const;
    bool operator!=(const EventFilter& other) const { return !(*this == other); }

    // Reads the filter bar's text. An empty text is the empty filter (everything).
    static EventFilterParseResult parse(QStringView text);
    // The keys the syntax knows, for completion and help.
    static QStringList keys();
};

struct EventFilterParseResult
{
    std::optional<EventFilter> filter; // set when the text parses
    int errorPosition = -1;            // 0-based character offset of the problem in the text
    int errorLength = 0;               // characters to underline
    QString error; // one line saying why, e.g. `httpCode needs a number such as 422 or 4XX`

    bool ok() const { return filter.has_value(); }
};
