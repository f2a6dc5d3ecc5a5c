// Fuzzes gzip decoding: the endpoint's capped inflate of request bodies (Content-Encoding gzip/deflate,
// hostile input) and the outbox's gunzip of stored bodies. Any bytes decode or are refused within the cap,
// never past it; whatever is encoded decodes back to itself; both decoders agree on what a gzip stream holds.
#include "fuzzcheck.h"

#include "client/httptransport.h"
#include "endpoint/endpointhttp.h"
#include "outbox/outbox.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArrayView bytes = fuzzBytes(data, size);
    // A small cap as well as the real one (2 MB), so that the cap's edge is reached by small inputs.
    constexpr qint64 smallCap = 1024;
    constexpr qint64 bodyCap = 2'000'000;
    const EndpointHttp::InflateResult small = EndpointHttp::inflateBody(bytes, smallCap);
    const EndpointHttp::InflateResult large = EndpointHttp::inflateBody(bytes, bodyCap);
    FUZZ_CHECK(small.data.size() <= smallCap);
    FUZZ_CHECK(large.data.size() <= bodyCap);
    FUZZ_CHECK(small.status == EndpointHttp::InflateStatus::Ok || small.data.isEmpty());
    if (small.status == EndpointHttp::InflateStatus::Ok) {
        FUZZ_CHECK(large.status == EndpointHttp::InflateStatus::Ok);
        FUZZ_CHECK(large.data == small.data);
    }
    if (large.status == EndpointHttp::InflateStatus::Ok && large.data.size() <= smallCap)
        FUZZ_CHECK(small.status == EndpointHttp::InflateStatus::Ok);

    const QByteArray input = bytes.toByteArray();
    const std::optional<QByteArray> gunzipped = OutboxBodies::gunzip(input);
    if (gunzipped && gunzipped->size() <= bodyCap && input.startsWith("\x1f\x8b")) {
        // A complete gzip stream: the endpoint reads the same data from it.
        FUZZ_CHECK(large.status == EndpointHttp::InflateStatus::Ok);
        FUZZ_CHECK(large.data == *gunzipped);
    }

    // Round trips: the input as the data to encode, with both encoders.
    for (const QByteArray& encoded : {OutboxBodies::gzip(input), HttpHeaders::gzip(input)}) {
        FUZZ_CHECK(!encoded.isEmpty());
        const EndpointHttp::InflateResult decoded = EndpointHttp::inflateBody(encoded, bodyCap);
        FUZZ_CHECK(decoded.status == EndpointHttp::InflateStatus::Ok);
        FUZZ_CHECK(decoded.data == input);
        FUZZ_CHECK(OutboxBodies::gunzip(encoded) == input);
    }
    return 0;
}
