#pragma once

#include "compatibilityprofile.h"
#include "eventcodec.h"
#include "issue.h"

#include <QByteArrayView>
#include <QList>
#include <QString>

class EventViewBatch;
class IndexCatalog;
class SearchLookup;

// Everything a verdict depends on besides the events: the rules, the clock, and the records known.
struct ValidationContext
{
    const CompatibilityProfile* profile = &CompatibilityProfile::current();
    qint64 nowMs = 0;
    // Catalogs for the objectID check; a catalog applies to events of its index (or to all events when its
    // index name is empty).
    QList<const IndexCatalog*> catalogs;
    // The recorded searches clicks and conversions are checked against (models/search/searchlinkage.h);
    // null: no linkage checks.
    const SearchLookup* searches = nullptr;
};

struct EventVerdict
{
    // The event itself breaks no rule. In a rejected batch a valid event is still not ingested.
    bool valid = true;
    IssueList issues; // errors, warnings and infos of this event, eventIndex set
};

// The answer Algolia gives to a request, and what the debugger shows for each of its events.
struct BatchVerdict
{
    int httpStatus = 200;
    QString message = QStringLiteral("OK"); // Algolia's `message`
    QList<EventVerdict> events;             // one per decoded event
    IssueList requestIssues;                // findings about the request as a whole (eventIndex -1)

    bool accepted() const { return httpStatus == 200; }
    // The JSON body Algolia answers: {"status":422,"message":"…"}.
    QByteArray responseBody() const;
    // Every issue, request-level first, then by event.
    IssueList allIssues() const;
    int errorCount() const;
    int warningCount() const;
};

// The one validator of the product: a pure function of (batch, profile, now, catalogs).
namespace Validator {

// The verdict for a request body: 413 over the size limit, else decode and judge.
BatchVerdict validateBody(QByteArrayView body, const ValidationContext& context,
                          DecodedBatch* decoded = nullptr);
// The ingest path: 413 over the size limit, else decode into views (no Event built) and judge them in place.
BatchVerdict validateBodyViews(QByteArrayView body, const ValidationContext& context, EventViewBatch& views);
// The verdict for decoded views: the rules themselves. Every other overload comes down to this one.
BatchVerdict validate(const EventViewBatch& batch, const ValidationContext& context);
// The verdict for a decoded batch (as from EventCodec), judged through the views of the events' own JSON.
BatchVerdict validate(const DecodedBatch& batch, const ValidationContext& context);
// The verdict for events composed or loaded in the app, judged as one request.
BatchVerdict validateEvents(const QList<Event>& events, const ValidationContext& context);

// The `value` that objectData implies: Σ price × quantity (Algolia's reading: the price already includes
// discounts), and the same net of discount × quantity (a reading some integrations use; also accepted).
// nullopt when objectData is empty or an item has no numeric price. The composer's "Use computed" writes
// `gross`, so the value it proposes is always one the value.mismatch rule accepts.
struct ExpectedValue
{
    double gross = 0;
    double net = 0;
};
// One objectData item's numbers (quantity 1 and discount 0 when absent; no price: cannot compute).
struct ValueLine
{
    std::optional<double> price;
    double quantity = 1;
    double discount = 0;
};
std::optional<ExpectedValue> expectedValue(const QList<ValueLine>& lines);
std::optional<ExpectedValue> expectedValue(const ValueLine* lines, qsizetype count);
// The same for composed items (the composer's "Use computed").
std::optional<ExpectedValue> expectedValue(const QList<ObjectDataItem>& items);

// Field rules shared with other parts of the product (e.g. DELETE /1/usertokens/{token}).
bool isValidUserToken(QStringView token);
QString userTokenMessage();

} // namespace Validator
