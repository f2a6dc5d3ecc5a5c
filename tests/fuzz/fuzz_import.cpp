// Fuzzes the debugger's import (models/views/eventexchange): any file content (NDJSON, a JSON body, event or
// array, a HAR file) ends in judged records or a one-line error, never a crash; what was imported exports to
// CSV and copies as NDJSON, JSON or an aa() call without tripping any writer.
#include "fuzzcheck.h"

#include "event/compatibilityprofile.h"
#include "views/eventexchange.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray bytes = fuzzBytes(data, size).toByteArray();
    ValidationContext context;
    context.profile = &CompatibilityProfile::current();
    context.nowMs = 1'790'000'000'000;
    const EventExchange::ImportResult result = EventExchange::importData(bytes, context, context.nowMs);
    FUZZ_CHECK(result.error.isEmpty() || result.records.isEmpty());
    FUZZ_CHECK(result.requests >= 0 && result.skippedEntries >= 0);
    for (const LogRecord& record : result.records) {
        FUZZ_CHECK(record.source == EventSource::Imported);
        FUZZ_CHECK(!record.requestId.isEmpty());
        // An event is accepted exactly when Insights answered 200, a search when its answer was 2xx; a
        // refused request never is.
        FUZZ_CHECK(record.accepted == (record.kind == RecordKind::Event    ? record.httpStatus == 200
                                       : record.kind == RecordKind::Search ? record.httpStatus / 100 == 2
                                                                           : false));
        const QByteArray row = EventExchange::csvRow(record);
        FUZZ_CHECK(row.endsWith("\r\n"));
        FUZZ_CHECK(!EventExchange::singleLine(record.rawJson).contains('\n'));
        (void)EventExchange::searchInsightsCall(record.rawJson);
        (void)EventExchange::prettyJson(record.rawJson);
    }
    return 0;
}
