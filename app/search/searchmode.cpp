#include "searchmode.h"

QString searchModeName(SearchMode mode)
{
    switch (mode) {
    case SearchMode::Off:
        return QStringLiteral("off");
    case SearchMode::Local:
        return QStringLiteral("local");
    case SearchMode::Relay:
        return QStringLiteral("relay");
    }
    return {};
}

std::optional<SearchMode> searchModeFromName(QStringView name)
{
    for (SearchMode mode : {SearchMode::Off, SearchMode::Local, SearchMode::Relay}) {
        if (name == searchModeName(mode))
            return mode;
    }
    return std::nullopt;
}

QStringList searchModeNames()
{
    return {searchModeName(SearchMode::Local), searchModeName(SearchMode::Relay),
            searchModeName(SearchMode::Off)};
}
