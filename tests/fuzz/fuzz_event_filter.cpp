// Fuzzes the debugger's filter bar syntax (models/views/eventfilter): any text either parses or gives an
// error inside the text; a parsed filter prints to a text that parses back to the same filter and prints the
// same.
#include "fuzzcheck.h"

#include "views/eventfilter.h"

#include <QString>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QString text = QString::fromUtf8(fuzzBytes(data, size));
    const EventFilterParseResult parsed = EventFilter::parse(text);
    if (!parsed.ok()) {
        FUZZ_CHECK(!parsed.error.isEmpty());
        FUZZ_CHECK(parsed.errorPosition >= 0 && parsed.errorPosition <= text.size());
        FUZZ_CHECK(parsed.errorLength >= 0 && parsed.errorPosition + parsed.errorLength <= text.size());
        return 0;
    }
    const EventFilter& filter = *parsed.filter;
    const QString printed = filter.toString();
    const EventFilterParseResult again = EventFilter::parse(printed);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again.filter == filter);
    FUZZ_CHECK(again.filter->toString() == printed);

    // The other two faces of a filter must not trip on what the parser accepted.
    LogRecord record;
    record.rawJson = text.toUtf8();
    (void)filter.matches(record);
    (void)filter.toLogQuery();
    return 0;
}
