#!/usr/bin/env python3
"""Generates resources/sample/movies.json, the bundled sample index `movies`.

The records are invented (titles are built from word lists), so the data belong to the project. The output
is deterministic: a fixed seed and sorted keys, so re-running the script gives the same bytes.

    python3 resources/sample/generate_movies.py > resources/sample/movies.json
"""
import json
import random
import sys

COUNT = 300
SEED = 20260

ADJECTIVES = [
    "Silent", "Crimson", "Hidden", "Last", "Broken", "Golden", "Midnight", "Lost", "Electric", "Frozen",
    "Distant", "Burning", "Quiet", "Wild", "Hollow", "Endless", "Paper", "Iron", "Velvet", "Restless",
    "Northern", "Little", "Bright", "Savage", "Secret",
]
NOUNS = [
    "River", "Harbor", "Garden", "Signal", "Empire", "Orchard", "Lantern", "Horizon", "Compass", "Tide",
    "Mountain", "Letter", "Station", "Mirror", "Forest", "Canyon", "Island", "Engine", "Season", "Bridge",
    "Shadow", "Winter", "Kingdom", "Voyage", "Promise",
]
SUFFIXES = ["", "", "", "", " II", " Returns", ": The Beginning", " of the North", " at Dawn", " Forever"]
GENRES = [
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy",
    "Horror", "Mystery", "Romance", "Science Fiction", "Thriller", "Western",
]
FIRST = ["Ada", "Bruno", "Chloe", "Diego", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemi", "Luca",
         "Maya", "Nils", "Olga", "Priya", "Quentin", "Rosa", "Sami", "Tove"]
LAST = ["Almeida", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
        "Kowalski", "Laurent", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Sato", "Tanaka", "Varga"]


def main() -> None:
    rng = random.Random(SEED)
    seen = set()
    records = []
    while len(records) < COUNT:
        title = f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}{rng.choice(SUFFIXES)}"
        if title in seen:
            continue
        seen.add(title)
        number = len(records) + 1
        records.append({
            "objectID": f"movie-{number:04d}",
            "title": title,
            "genres": sorted(rng.sample(GENRES, rng.randint(1, 3))),
            "year": rng.randint(1950, 2025),
            "director": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "runtime": rng.randint(78, 175),
            "rating": round(rng.uniform(4.0, 9.5), 1),
            "price": round(rng.choice([3.99, 4.99, 7.99, 9.99, 12.99, 14.99, 19.99]), 2),
        })
    json.dump(records, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
