#pragma once

#include "event/vocabulary.h" // Severity and its names

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

// One finding about an event or a request: an error rejects the request (422), a warning or an info
// never does; it tells a tester what Algolia accepts but will not use.

struct Issue
{
    Severity severity = Severity::Error;
    // Index of the event in its request, or -1 for a finding about the request as a whole.
    int eventIndex = -1;
    // Path inside the event, e.g. "positions[1]" or "objectData[0].queryID"; empty for the whole event.
    QString field;
    // Stable, machine-readable code, e.g. "userToken.invalid" or "objectID.notInCatalog".
    QString code;
    // The text: Algolia's exact message for errors it defines, plain English otherwise.
    QString message;
    // True when Algolia publishes no text for this error and the message is our suggested wording.
    bool unverifiedMessage = false;

    // Full path as shown to users: "events[3].positions[1]", "events[3]", or "" for the request.
    QString path() const;
    bool isError() const { return severity == Severity::Error; }
    bool operator==(const Issue& other) const;
};

using IssueList = QList<Issue>;

// The one public JSON shape of an issue, written by `validate --json`, `check`, the automation API
// (GET /debugger/events) and read back by RunSource:
// {"severity","path","field","code","message"} plus "event" (its index in the request) when it is about one
// event, and "unverified": true when the message is our wording because Algolia publishes none.
QJsonObject issueToJson(const Issue& issue);
QJsonArray issuesToJson(const IssueList& issues);
// Reads what issuesToJson wrote; entries it can't read are skipped.
IssueList issuesFromJson(const QJsonArray& array);
