#pragma once

#include <QString>
#include <QStringList>

#include <optional>

// How the embedded endpoint answers Algolia's search routes (issue 12 §1).
enum class SearchMode
{
    Off,   // 404, as before: the site's search client keeps talking to Algolia
    Local, // answered from the loaded index catalogs
    Relay, // forwarded untouched to the application's Algolia search hosts
};

QString searchModeName(SearchMode mode); // "off", "local", "relay"
std::optional<SearchMode> searchModeFromName(QStringView name);
QStringList searchModeNames();
