#pragma once

// A small HTTP/1.1 load generator over keep-alive loopback sockets (POSIX sockets, one thread per
// connection), for benchmarking the endpoint from outside its process. It only sends fixed requests and reads
// Content-Length-framed answers: the server under test is the one with the real HTTP implementation.

#include <cstdint>
#include <string>
#include <vector>

struct LoadResult
{
    double seconds = 0;
    std::int64_t requests = 0; // answered
    std::int64_t ok = 0;       // answered 200
    std::int64_t failures = 0; // connection errors and non-200 answers
    std::vector<double> latenciesMs;

    double requestsPerSecond() const { return seconds > 0 ? static_cast<double>(requests) / seconds : 0; }
    double percentileMs(double p); // sorts latenciesMs
};

// `connections` connections, each sending `request` again as soon as the previous answer arrived.
LoadResult runClosedLoop(std::uint16_t port, const std::string& request, int connections, double seconds);

// `rate` requests per second in total, spread over `connections`, each request sent at its scheduled time;
// the latency counts from that time, so a server that falls behind is not flattered (no coordinated
// omission).
LoadResult runFixedRate(std::uint16_t port, const std::string& request, int rate, int connections,
                        double seconds);

// One GET on a fresh connection; the answer's body, empty on error.
std::string httpGet(std::uint16_t port, const std::string& pathAndQuery);
