#include "loadgenerator.h"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

class Connection
{
public:
    explicit Connection(std::uint16_t port)
        : m_port(port)
    {}
    ~Connection() { close(); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool open()
    {
        close();
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (m_fd < 0)
            return false;
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        // A server that never answers counts as a failure, not a hang.
        timeval timeout{10, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(m_port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            close();
            return false;
        }
        m_buffer.clear();
        return true;
    }

    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

    // Sends the request and reads one answer; the status code, or 0 on a connection error.
    int exchange(const std::string& request, std::string* body = nullptr)
    {
        if (m_fd < 0 && !open())
            return 0;
        std::size_t sent = 0;
        while (sent < request.size()) {
            const ssize_t n = ::send(m_fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                close();
                return 0;
            }
            sent += static_cast<std::size_t>(n);
        }
        std::size_t headerEnd;
        while ((headerEnd = m_buffer.find("\r\n\r\n")) == std::string::npos) {
            if (!receive())
                return 0;
        }
        const int status = m_buffer.size() > 12 ? std::atoi(m_buffer.c_str() + 9) : 0;
        std::size_t length = 0;
        std::string headers = m_buffer.substr(0, headerEnd);
        std::transform(headers.begin(), headers.end(), headers.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (const std::size_t at = headers.find("content-length:"); at != std::string::npos)
            length = static_cast<std::size_t>(std::atoll(headers.c_str() + at + 15));
        const bool closeAfter = headers.find("connection: close") != std::string::npos;
        while (m_buffer.size() < headerEnd + 4 + length) {
            if (!receive())
                return 0;
        }
        if (body)
            *body = m_buffer.substr(headerEnd + 4, length);
        m_buffer.erase(0, headerEnd + 4 + length);
        if (closeAfter)
            close();
        return status;
    }

private:
    bool receive()
    {
        char chunk[65536];
        const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
            close();
            return false;
        }
        m_buffer.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    std::uint16_t m_port;
    int m_fd = -1;
    std::string m_buffer;
};

double elapsedMs(Clock::time_point from, Clock::time_point to)
{
    return std::chrono::duration<double, std::milli>(to - from).count();
}

LoadResult merge(std::vector<LoadResult>& parts, double seconds)
{
    LoadResult total;
    total.seconds = seconds;
    for (LoadResult& part : parts) {
        total.requests += part.requests;
        total.ok += part.ok;
        total.failures += part.failures;
        total.latenciesMs.insert(total.latenciesMs.end(), part.latenciesMs.begin(), part.latenciesMs.end());
    }
    return total;
}

} // namespace

double LoadResult::percentileMs(double p)
{
    if (latenciesMs.empty())
        return 0;
    std::sort(latenciesMs.begin(), latenciesMs.end());
    const auto index =
        static_cast<std::size_t>(p / 100.0 * static_cast<double>(latenciesMs.size() - 1) + 0.5);
    return latenciesMs[std::min(index, latenciesMs.size() - 1)];
}

LoadResult runClosedLoop(std::uint16_t port, const std::string& request, int connections, double seconds)
{
    std::vector<LoadResult> parts(static_cast<std::size_t>(connections));
    std::vector<std::thread> threads;
    const Clock::time_point start = Clock::now();
    const Clock::time_point end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (int i = 0; i < connections; ++i) {
        threads.emplace_back([&, i] {
            Connection connection(port);
            LoadResult& part = parts[static_cast<std::size_t>(i)];
            part.latenciesMs.reserve(1 << 16);
            while (Clock::now() < end) {
                const Clock::time_point sent = Clock::now();
                const int status = connection.exchange(request);
                const Clock::time_point answered = Clock::now();
                if (status == 0) {
                    ++part.failures;
                    continue;
                }
                ++part.requests;
                if (status == 200)
                    ++part.ok;
                else
                    ++part.failures;
                part.latenciesMs.push_back(elapsedMs(sent, answered));
            }
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    return merge(parts, std::chrono::duration<double>(Clock::now() - start).count());
}

LoadResult runFixedRate(std::uint16_t port, const std::string& request, int rate, int connections,
                        double seconds)
{
    std::vector<LoadResult> parts(static_cast<std::size_t>(connections));
    std::vector<std::thread> threads;
    const Clock::time_point start = Clock::now() + std::chrono::milliseconds(50);
    const auto interval = std::chrono::duration<double>(static_cast<double>(connections) / rate);
    const auto perConnection = static_cast<std::int64_t>(seconds * rate / connections);
    for (int i = 0; i < connections; ++i) {
        threads.emplace_back([&, i] {
            Connection connection(port);
            connection.open();
            LoadResult& part = parts[static_cast<std::size_t>(i)];
            // Connections start staggered so that the total rate is even.
            const Clock::time_point first = start + std::chrono::duration_cast<Clock::duration>(
                                                        interval * (static_cast<double>(i) / connections));
            for (std::int64_t n = 0; n < perConnection; ++n) {
                const Clock::time_point scheduled =
                    first + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(n));
                std::this_thread::sleep_until(scheduled);
                const int status = connection.exchange(request);
                const Clock::time_point answered = Clock::now();
                if (status == 0) {
                    ++part.failures;
                    continue;
                }
                ++part.requests;
                if (status == 200)
                    ++part.ok;
                else
                    ++part.failures;
                part.latenciesMs.push_back(elapsedMs(scheduled, answered));
            }
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    return merge(parts, std::chrono::duration<double>(Clock::now() - start).count());
}

std::string httpGet(std::uint16_t port, const std::string& pathAndQuery)
{
    Connection connection(port);
    std::string body;
    const std::string request = "GET " + pathAndQuery +
                                " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                                "\r\nConnection: close\r\n\r\n";
    return connection.exchange(request, &body) == 200 ? body : std::string();
}
