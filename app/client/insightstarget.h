#pragma once

#include <QString>
#include <QUrl>

#include <optional>

// Where events go: the embedded endpoint (default), one of Algolia's Insights hosts, or any URL.
enum class TargetKind
{
    Local,  // the embedded endpoint of a running `serve` or desktop app
    Us,     // https://insights.us.algolia.io
    De,     // https://insights.de.algolia.io
    Global, // https://insights.algolia.io (routes to the closest region)
    Custom, // any base URL (a proxy, another debugger, a test server)
};

// The analytics region an app lives in: decides the debugger-feed and profile hosts. Personalization
// calls the European region "eu" where Insights calls it "de" (insights-api.md §4.1).
enum class Region
{
    Us,
    Eu,
};

// Every host the client talks to. All overridable, so that tests point them at a local fault server.
struct ClientHosts
{
    QUrl local = QUrl(QStringLiteral("http://127.0.0.1:8421"));
    QUrl insightsUs = QUrl(QStringLiteral("https://insights.us.algolia.io"));
    QUrl insightsDe = QUrl(QStringLiteral("https://insights.de.algolia.io"));
    QUrl insightsGlobal = QUrl(QStringLiteral("https://insights.algolia.io"));
    QUrl personalizationUs = QUrl(QStringLiteral("https://personalization.us.algolia.com"));
    QUrl personalizationEu = QUrl(QStringLiteral("https://personalization.eu.algolia.com"));
    QUrl advancedPersonalizationUs = QUrl(QStringLiteral("https://ai-personalization.us.algolia.com"));
    QUrl advancedPersonalizationEu = QUrl(QStringLiteral("https://ai-personalization.eu.algolia.com"));
};

struct InsightsTarget
{
    TargetKind kind = TargetKind::Local;
    QUrl customUrl; // only for Custom: the base URL ("/1/events" is appended)

    // "local", "us", "de", "global", or an http(s) URL. nullopt for anything else.
    static std::optional<InsightsTarget> parse(const QString& text);
    static InsightsTarget custom(const QUrl& url);

    // "local", "us", "de", "global" or the URL: what the event log's `target` column shows.
    QString name() const;
    // Base URL of this target with the given host table (no trailing slash).
    QUrl baseUrl(const ClientHosts& hosts) const;
    // The events sent there are logged by the receiver itself (the embedded endpoint), not by the client.
    bool isEmbeddedEndpoint() const { return kind == TargetKind::Local; }
    // The region of the debugger feed for this target (the global host has none of its own: us).
    Region region() const { return kind == TargetKind::De ? Region::Eu : Region::Us; }

    bool operator==(const InsightsTarget& other) const
    {
        return kind == other.kind && (kind != TargetKind::Custom || customUrl == other.customUrl);
    }
    bool operator!=(const InsightsTarget& other) const { return !(*this == other); }
};

// What the user calls a kind of target: "Embedded endpoint", "Algolia (US)", ..., "Custom URL".
QString targetLabel(TargetKind kind);

// The targets a user picks from, in menu order, with the name the settings store ("custom": a URL kept
// apart).
struct TargetChoice
{
    const char* name;
    TargetKind kind;
};
inline constexpr TargetChoice kTargetChoices[] = {
    {"local", TargetKind::Local},   {"us", TargetKind::Us},         {"de", TargetKind::De},
    {"global", TargetKind::Global}, {"custom", TargetKind::Custom},
};

// Joins a base URL and an absolute, percent-encoded API path ("/1/events", "/1/usertokens/a%2Fb"), keeping
// any path prefix of the base.
QUrl joinUrl(const QUrl& base, const QString& path);
