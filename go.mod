module github.com/pivotcoach/pivot

go 1.26
