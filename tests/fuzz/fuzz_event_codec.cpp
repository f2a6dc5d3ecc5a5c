// Fuzzes the ingest path exactly as the endpoint and `validate` use it: any bytes through the codec and the
// validator, in both profiles, then the canonical encoding read back. Any crash, sanitizer report or broken
// invariant is a bug: bad input must always end in a verdict.
#include "event/eventcodec.h"
#include "event/validator.h"

#include <cstdint>
#include <cstdlib>

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    for (const CompatibilityProfile* profile :
         {&CompatibilityProfile::current(), &CompatibilityProfile::legacy2025()}) {
        ValidationContext context;
        context.profile = profile;
        context.nowMs = 1'790'000'000'000;
        DecodedBatch decoded;
        const BatchVerdict verdict = Validator::validateBody(bytes, context, &decoded);
        check(verdict.httpStatus == 200 || verdict.httpStatus == 413 || verdict.httpStatus == 422);
        check(!verdict.message.isEmpty());
        check(verdict.httpStatus != 200 || verdict.events.size() == decoded.events.size());
        check(decoded.events.size() == decoded.rawEvents.size());
        if (verdict.accepted()) {
            // What was accepted re-encodes to a body that is accepted again with the same events.
            const QByteArray body = EventCodec::encodeBatch(decoded.events);
            const DecodedBatch again = EventCodec::decodeRequestBody(body);
            check(!again.payloadError);
            check(again.events == decoded.events);
        }
    }
    const DecodedInput input = EventCodec::decodeInput(bytes);
    check(input.inputError.has_value() || input.batch.events.size() == input.batch.rawEvents.size());
    return 0;
}
