// Fuzzes the reader of Algolia's debugger feed (GET /1/events answers, app/client/algoliafeed): whatever the
// network hands back ends in records or a one-line error; every record's event is the codec's reading of it.
#include "fuzzcheck.h"

#include "client/algoliafeed.h"
#include "event/eventcodec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray body = fuzzBytes(data, size).toByteArray();
    QString error;
    const std::optional<QList<FeedRecord>> records = FeedParser::parse(body, &error);
    if (!records) {
        FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    for (const FeedRecord& record : *records) {
        FUZZ_CHECK(!record.rawEvent.isEmpty());
        const DecodedBatch decoded = EventCodec::decodeEvent(record.rawEvent);
        if (!decoded.events.isEmpty())
            FUZZ_CHECK(decoded.events.constFirst() == record.event);
        (void)FeedParser::fingerprint(record.event);
    }
    return 0;
}
