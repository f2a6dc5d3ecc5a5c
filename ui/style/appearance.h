#pragma once

#include <QFont>
#include <QPalette>
#include <QString>

#include <optional>

// How the window looks: a theme (the system's palette, or a light or dark one applied as palettes) and a
// zoom for presenting (fonts scaled in steps; layouts follow the fonts). Applied to the whole application;
// the main window keeps the choice in the data folder's window state.
namespace Appearance {

enum class Theme
{
    System,
    Light,
    Dark,
};

QString themeName(Theme theme); // "system", "light", "dark"
std::optional<Theme> themeFromName(QStringView name);

// The zoom, in percent of the system font: 100 is the system's size.
constexpr int kZoomStep = 10;
constexpr int kMinZoom = 70;
constexpr int kMaxZoom = 200;
int clampZoom(int percent);

// Remembers the system's palette, style and font the first time it is called (before any change), so that
// System and 100 % bring them back.
void captureSystemDefaults();
void applyTheme(Theme theme);
void applyZoom(int percent);

QPalette lightPalette();
QPalette darkPalette();
// Whether a palette is dark (light text on a dark window): colours for verdicts and marks follow it.
bool isDark(const QPalette& palette);

} // namespace Appearance
