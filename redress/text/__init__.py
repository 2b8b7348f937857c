"""Chinese text as words, below every part that reads it: segmentation (`segment`, jieba with the bank's
terms) and full-text queries and highlights (`fulltext`). No models: the register (redress.cases) searches
with it, and redress.matching writes the index it searches."""
