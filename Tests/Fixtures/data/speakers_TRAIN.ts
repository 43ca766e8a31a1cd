#A hand-written file in the layout of the UEA JapaneseVowels archive files: a comment block,
#camel-case identifiers, a trailing space after the labels, exponent notation, cases of
#different lengths with three dimensions each. The numbers are made up.
#
@problemName Speakers
@timeStamps false
@missing false
@univariate false
@dimensions 3
@equalLength false
@classLabel true 1 2 3 
@data
1.25,1.5,-8.3E-4:0.5,0.25,0.125:-1.0,-2.0,-3.0:1
2.0,2.5:0.75,5.18E-4:-0.5,-0.25:2
0.5,0.25,0.125,0.0625:1,2,3,4:4,3,2,1:3
-1.5:2.5:-3.5:2
