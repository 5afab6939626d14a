"""Data the aligner ships: related_words.txt.gz, the words WordNet relates (reader.align.related)."""
